import Synchronization
import TsunagiCore

/// Counts of every error code the router answered, and of refused handshakes; read by tests and
/// logged at shutdown.
public final class ErrorCounters: Sendable {
    private let counts = Mutex<[ErrorCode: Int]>([:])
    private let refusedHandshakes = Mutex(0)

    public init() {}

    func count(_ code: ErrorCode) { counts.withLock { $0[code, default: 0] += 1 } }
    func countRefusedHandshake() { refusedHandshakes.withLock { $0 += 1 } }

    public subscript(code: ErrorCode) -> Int { counts.withLock { $0[code] ?? 0 } }
    public var all: [ErrorCode: Int] { counts.withLock { $0 } }
    public var handshakesRefused: Int { refusedHandshakes.withLock { $0 } }
}
