import CZeroMQ

/// Connection events a socket monitor reports.
public struct SocketEventKind: OptionSet, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let connected = SocketEventKind(rawValue: ZMQ_EVENT_CONNECTED)
    public static let connectDelayed = SocketEventKind(rawValue: ZMQ_EVENT_CONNECT_DELAYED)
    public static let connectRetried = SocketEventKind(rawValue: ZMQ_EVENT_CONNECT_RETRIED)
    public static let listening = SocketEventKind(rawValue: ZMQ_EVENT_LISTENING)
    public static let accepted = SocketEventKind(rawValue: ZMQ_EVENT_ACCEPTED)
    public static let closed = SocketEventKind(rawValue: ZMQ_EVENT_CLOSED)
    public static let disconnected = SocketEventKind(rawValue: ZMQ_EVENT_DISCONNECTED)
    public static let monitorStopped = SocketEventKind(rawValue: ZMQ_EVENT_MONITOR_STOPPED)
    public static let handshakeSucceeded = SocketEventKind(rawValue: ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    public static let handshakeFailedNoDetail = SocketEventKind(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
    public static let handshakeFailedProtocol = SocketEventKind(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
    /// The ZAP handler refused the peer; the event's value is the ZAP status code (e.g. 400).
    public static let handshakeFailedAuth = SocketEventKind(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

    public static let handshakeFailed: SocketEventKind = [.handshakeFailedNoDetail, .handshakeFailedProtocol, .handshakeFailedAuth]
    public static let all = SocketEventKind(rawValue: ZMQ_EVENT_ALL)
}

/// One event from a socket monitor.
public struct SocketEvent: Sendable, Hashable {
    public let kind: SocketEventKind
    /// Event-specific: a file descriptor, an errno, a retry interval, or the ZAP status code.
    public let value: UInt32
    public let endpoint: String
}

/// Reads the events libzmq publishes about one socket's connections.
///
/// Open it on the thread that owns the monitored socket, before that socket binds or connects,
/// so that no event is missed.
public struct SocketMonitor: ~Copyable {
    private let pair: Socket

    public init(context: Context, monitoring socket: borrowing Socket, events: SocketEventKind = .all) throws(ZMQError) {
        let endpoint = "inproc://zeromq.monitor.\(UInt(bitPattern: socket.handle)).\(UInt64.random(in: 0 ... .max))"
        let handle = socket.handle
        try retryingOnInterrupt { zmq_socket_monitor(handle, endpoint, events.rawValue) }
        let pair = try Socket(context, type: .pair)
        try pair.connect(endpoint)
        self.pair = pair
    }

    /// The next event, waiting at most `timeoutMilliseconds`; nil when none came in time.
    public func next(timeoutMilliseconds: Int) throws(ZMQError) -> SocketEvent? {
        guard let message = try pair.receive(timeoutMilliseconds: timeoutMilliseconds),
              message.frames.count == 2, message.frames[0].count == 6 else { return nil }
        let header = message.frames[0]
        let kind = Int32(header[0]) | Int32(header[1]) << 8
        let value = UInt32(header[2]) | UInt32(header[3]) << 8 | UInt32(header[4]) << 16 | UInt32(header[5]) << 24
        return SocketEvent(
            kind: SocketEventKind(rawValue: kind), value: value,
            endpoint: String(decoding: message.frames[1], as: UTF8.self))
    }

    /// Waits until an event of one of the given kinds arrives, or the deadline passes.
    public func waitFor(_ kinds: SocketEventKind, timeoutMilliseconds: Int) throws(ZMQError) -> SocketEvent? {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        while ContinuousClock.now < deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            let millis = max(1, Int(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            guard let event = try next(timeoutMilliseconds: millis) else { continue }
            if !kinds.isDisjoint(with: event.kind) { return event }
        }
        return nil
    }
}
