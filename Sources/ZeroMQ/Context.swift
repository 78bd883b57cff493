import CZeroMQ
import Synchronization

/// A libzmq context: owns the I/O threads and every socket made from it.
///
/// Contexts are thread-safe; sockets are not. Shut down through the context: `shutdown()` makes
/// every blocked call on its sockets fail with `ZMQError.terminated`, so socket loops end, close
/// their sockets, and `terminate()` (or deinit) then returns promptly as long as sockets set a
/// finite `linger`.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    /// Set once `terminate()` starts: `zmq_ctx_term` frees the context, so no libzmq call may
    /// use `handle` after that (a second term or a late shutdown would read freed memory).
    private let terminationStarted = Mutex(false)

    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last }
        self.handle = handle
        if ioThreads != 1 {
            try retryingOnInterrupt { zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) }
        }
    }

    /// Makes every blocking call on this context's sockets return `ZMQError.terminated`.
    /// Safe to call from any thread, more than once, also after `terminate()`.
    public func shutdown() {
        // Holding the lock keeps a concurrent `terminate()` from freeing the context mid-call.
        terminationStarted.withLock { started in
            if !started { _ = zmq_ctx_shutdown(handle) }
        }
    }

    /// Shuts down and waits until every socket of the context is closed. Only the first call
    /// waits; later ones (and deinit) return at once.
    public func terminate() {
        let alreadyStarted = terminationStarted.withLock { started in
            defer { started = true }
            if !started { _ = zmq_ctx_shutdown(handle) }
            return started
        }
        if !alreadyStarted { terminateHandle() }
    }

    deinit {
        if !terminationStarted.withLock({ $0 }) { terminateHandle() }
    }

    private func terminateHandle() {
        _ = resultRetryingOnInterrupt { zmq_ctx_term(handle) }
    }

    /// libzmq's version as (major, minor, patch).
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether libzmq was built with a capability, such as "curve" or "ipc".
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}
