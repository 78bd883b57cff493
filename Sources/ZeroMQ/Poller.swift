import CZeroMQ

/// Readiness of a polled socket.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets (and plain file descriptors) at once.
///
/// The poller keeps only the sockets' handles: register sockets that outlive the poller, on the
/// poller's own thread.
public struct Poller {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Registers a socket; its index in `poll`'s result is the order of registration.
    @discardableResult
    public mutating func register(_ socket: borrowing Socket, for events: PollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Registers a file descriptor, such as an eventfd another thread writes to wake this one.
    @discardableResult
    public mutating func register(fileDescriptor: Int32, for events: PollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Waits up to `timeoutMilliseconds` (-1: for ever) and returns each item's readiness.
    /// A signal ends the wait early with nothing ready rather than an error.
    public mutating func poll(timeoutMilliseconds: Int) throws(ZMQError) -> [PollEvents] {
        let count = Int32(items.count)
        let result = items.withUnsafeMutableBufferPointer { buffer in
            zmq_poll(buffer.baseAddress, count, timeoutMilliseconds)
        }
        if result == -1 {
            let error = ZMQError.last
            if error == .interrupted { return items.map { _ in [] } }
            throw error
        }
        return items.map { PollEvents(rawValue: $0.revents) }
    }
}
