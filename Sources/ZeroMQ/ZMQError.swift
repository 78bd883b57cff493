import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// An error reported by libzmq: its `errno` value and libzmq's own sentence for it.
public struct ZMQError: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: Int32

    public init(code: Int32) { self.code = code }

    /// The error libzmq left in `errno` for the call that just failed.
    public static var last: ZMQError { ZMQError(code: zmq_errno()) }

    public var description: String {
        guard let text = zmq_strerror(code) else { return "zmq error \(code)" }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: strlen(text)), as: UTF8.self)
    }

    /// The context was shut down or terminated: every blocked call ends with this.
    public static let terminated = ZMQError(code: ETERM)
    /// Nothing to receive, or the send would block (non-blocking call or timeout expired).
    public static let wouldBlock = ZMQError(code: EAGAIN)
    /// A signal arrived during a blocking call; `retryingOnInterrupt` hides it.
    public static let interrupted = ZMQError(code: EINTR)
    /// ROUTER_MANDATORY is set and no peer has the routing id.
    public static let hostUnreachable = ZMQError(code: EHOSTUNREACH)
    public static let invalidArgument = ZMQError(code: EINVAL)

    /// True when the context is going away: loops should end quietly rather than report a failure.
    public var isShutdown: Bool { self == .terminated }
}

/// Runs a libzmq call, retrying while a signal interrupts it, and turns -1 into a thrown `ZMQError`.
/// libzmq returns EINTR from blocking calls even with restartable handlers; this is the one place
/// that retries.
@inline(__always)
@discardableResult
func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) throws(ZMQError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = ZMQError.last
        if error != .interrupted { throw error }
    }
}

/// The same as `retryingOnInterrupt`, for calls made inside non-throwing pointer closures, and for
/// the few POSIX calls this module makes itself (writing key files): libzmq's errno is errno.
@inline(__always)
func resultRetryingOnInterrupt<Value: BinaryInteger>(_ call: () -> Value) -> Swift.Result<Value, ZMQError> {
    while true {
        let result = call()
        if result != -1 { return .success(result) }
        let error = ZMQError.last
        if error != .interrupted { return .failure(error) }
    }
}
