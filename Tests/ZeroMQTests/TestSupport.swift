import Foundation
import Synchronization
import Testing
import ZeroMQ

/// The parent of every suite in this target. `.serialized` applies to the nested suites too:
/// the file-descriptor test counts the whole process's descriptors, so no other test may open
/// sockets while it runs. The time limit is a last resort; each test bounds its own waits.
@Suite(.serialized, .timeLimit(.minutes(1)))
enum ZeroMQTests {}

/// How long a test waits for something that should happen (a message, an event) before failing.
/// Generous, because a loaded CI machine can be slow; a passing run never waits this long.
let patienceMilliseconds = 5_000

/// How long a test watches for something that must not happen (a refused client's message).
let quietMilliseconds = 500

/// Runs `body` with a fresh context and terminates the context afterwards, on a background thread
/// with a deadline, so that a socket left open fails the test instead of hanging it.
/// Sockets made inside `body` are closed when it returns, before the termination starts.
func withContext<Result>(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Context) throws -> Result
) throws -> Result {
    let context = try Context()
    defer {
        let terminated = (try? runOnThread(named: "context-terminate", deadline: .seconds(5)) { context.terminate() }) ?? false
        #expect(terminated, "the context did not terminate within 5 s: a socket was left open", sourceLocation: sourceLocation)
    }
    return try body(context)
}

/// Runs `work` on a new thread (off the cooperative pool, which has only 2 threads here) and
/// waits for it at most `deadline`. Returns true when it finished, rethrowing what it threw, and
/// false when it was still running at the deadline; the thread is then abandoned, which is only
/// acceptable because the test fails.
func runOnThread(named name: String, deadline: Duration, _ work: @escaping @Sendable () throws -> Void) throws -> Bool {
    let done = DispatchSemaphore(value: 0)
    let failure = Mutex<(any Error)?>(nil)
    let thread = Thread {
        do { try work() } catch { failure.withLock { $0 = error } }
        done.signal()
    }
    thread.name = name
    thread.start()
    guard done.wait(timeout: .now() + .milliseconds(Int(deadline / .milliseconds(1)))) == .success else {
        return false
    }
    if let error = failure.withLock({ $0 }) { throw error }
    return true
}

/// A fresh directory under the system's temporary directory, removed by `cleanUp()`.
/// Short, because an ipc:// endpoint path must fit in 107 bytes.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/tsunagi-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The number of open file descriptors of this process.
func openFileDescriptorCount() throws -> Int {
    // The listing itself holds one descriptor open, on both the before and the after count.
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
}

/// Collects the ZAP handler's decisions so a test can wait for a particular one.
/// `@unchecked` because `decisions` is only touched with `arrived` locked.
final class DecisionLog: @unchecked Sendable {
    private var decisions: [ZAPAuthenticator.Decision] = []
    private let arrived = NSCondition()

    var record: @Sendable (ZAPAuthenticator.Decision) -> Void {
        { [self] decision in
            arrived.lock()
            decisions.append(decision)
            arrived.broadcast()
            arrived.unlock()
        }
    }

    /// The first decision about `key` whose outcome is `admitted`, waiting at most the deadline.
    func waitFor(key: CurveKey, admitted: Bool, timeoutMilliseconds: Int = patienceMilliseconds) -> ZAPAuthenticator.Decision? {
        let deadline = Date(timeIntervalSinceNow: Double(timeoutMilliseconds) / 1000)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            if let match = decisions.first(where: { $0.publicKey == key && $0.admitted == admitted }) {
                return match
            }
            if !arrived.wait(until: deadline) { return nil }
        }
    }
}

extension Array where Element == UInt8 {
    /// `count` bytes of a repeating pattern, so that a corrupted or shifted frame shows.
    static func pattern(count: Int, seed: UInt8 = 0) -> [UInt8] {
        // Filled through a buffer pointer: a closure per byte is slow in debug builds.
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: index &* 31 &+ Int(seed)) }
            initialized = count
        }
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
