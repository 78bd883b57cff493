import Foundation
import Synchronization

/// A ZAP handler (ZeroMQ RFC 27) for one context: admits CURVE clients whose public key is on an
/// allow-list, names each by the user id the list gives it (it arrives as the `User-Id` of every
/// message), and refuses every other key and every other mechanism.
///
/// Start it before any CURVE server socket of the context binds: libzmq lets every client in
/// when no handler is bound at `inproc://zeromq.zap.01`.
public final class ZAPAuthenticator: Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Why a connection was admitted or refused, for the owner's logs and counters.
    public struct Decision: Sendable {
        public let admitted: Bool
        public let userID: String?
        public let mechanism: String
        public let address: String
        public let publicKey: CurveKey?
    }

    private let allowList: Mutex<[CurveKey: String]>
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    private let onDecision: (@Sendable (Decision) -> Void)?

    /// Binds the handler and starts its thread; returns once it is bound.
    public init(
        context: Context, allowList: [CurveKey: String],
        onDecision: (@Sendable (Decision) -> Void)? = nil
    ) throws(ZMQError) {
        self.allowList = Mutex(allowList)
        self.onDecision = onDecision
        let startup = Startup()
        let thread = Thread { [self] in
            self.run(context: context, startup: startup)
        }
        thread.name = "zap-authenticator"
        thread.start()
        startup.ready.wait()
        if let error = startup.failure.withLock({ $0 }) { throw error }
    }

    /// Replaces the allow-list; connections made from now on are judged by the new one.
    public func replaceAllowList(_ newList: [CurveKey: String]) {
        allowList.withLock { $0 = newList }
    }

    /// Stops the handler thread and waits for it (at most one poll interval).
    /// New CURVE handshakes on the context fail from then on.
    public func stop() {
        let wasStopping = stopping.withLock { value in
            defer { value = true }
            return value
        }
        if !wasStopping { finished.wait() }
    }

    /// How the handler thread's bind went, handed back to `init`.
    private final class Startup: Sendable {
        let failure = Mutex<ZMQError?>(nil)
        let ready = DispatchSemaphore(value: 0)
    }

    private func run(context: Context, startup: Startup) {
        defer { finished.signal() }
        do {
            let socket = try Socket(context, type: .reply)
            try socket.bind(Self.endpoint)
            startup.ready.signal()
            serve(socket)
        } catch {
            startup.failure.withLock { $0 = error }
            startup.ready.signal()
        }
    }

    private func serve(_ socket: borrowing Socket) {
        while !stopping.withLock({ $0 }) {
            do {
                guard let request = try socket.receive(timeoutMilliseconds: 100) else { continue }
                try socket.send(answer(request.frames))
            } catch {
                if error.isShutdown { break }
            }
        }
    }

    /// Builds the reply to one ZAP request: version, request id, status code, status text, user id, metadata.
    private func answer(_ frames: [[UInt8]]) -> [[UInt8]] {
        guard frames.count >= 6, String(decoding: frames[0], as: UTF8.self) == "1.0" else {
            let requestID = frames.count > 1 ? frames[1] : []
            return [Array("1.0".utf8), requestID, Array("500".utf8), Array("malformed ZAP request".utf8), [], []]
        }
        let requestID = frames[1]
        let address = String(decoding: frames[3], as: UTF8.self)
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        var key: CurveKey?
        var userID: String?
        if mechanism == "CURVE", frames.count >= 7, let clientKey = CurveKey(bytes: frames[6]) {
            key = clientKey
            userID = allowList.withLock { $0[clientKey] }
        }
        onDecision?(Decision(admitted: userID != nil, userID: userID, mechanism: mechanism, address: address, publicKey: key))
        guard let userID else {
            let reason = mechanism == "CURVE" ? "key not registered" : "mechanism \(mechanism) not allowed"
            return [Array("1.0".utf8), requestID, Array("400".utf8), Array(reason.utf8), [], []]
        }
        return [Array("1.0".utf8), requestID, Array("200".utf8), Array("OK".utf8), Array(userID.utf8), []]
    }
}
