import CZeroMQ

/// A value libzmq accepts for a socket option: passed as a pointer and a size, never variadically.
public protocol SocketOptionValue {
    func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension Int32: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var value = self
        return withUnsafeBytes(of: &value, body)
    }
}

extension Int64: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var value = self
        return withUnsafeBytes(of: &value, body)
    }
}

extension Bool: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        Int32(self ? 1 : 0).withOptionBytes(body)
    }
}

extension Array: SocketOptionValue where Element == UInt8 {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(body)
    }
}

extension String: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(utf8).withOptionBytes(body)
    }
}

/// A typed socket option: `socket.set(.linger, 0)`, `socket.get(.lastEndpoint)`.
public struct SocketOption<Value: SocketOptionValue>: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
}

extension SocketOption where Value == Int32 {
    /// Milliseconds pending messages are kept after close; never leave it infinite (the default),
    /// or terminating the context hangs on a message for a peer that never reads it.
    public static var linger: Self { .init(rawValue: ZMQ_LINGER) }
    public static var sendHighWaterMark: Self { .init(rawValue: ZMQ_SNDHWM) }
    public static var receiveHighWaterMark: Self { .init(rawValue: ZMQ_RCVHWM) }
    /// Milliseconds a blocking receive waits before failing with `wouldBlock`; -1 waits for ever.
    public static var receiveTimeout: Self { .init(rawValue: ZMQ_RCVTIMEO) }
    public static var sendTimeout: Self { .init(rawValue: ZMQ_SNDTIMEO) }
    /// ZMTP heartbeat: milliseconds between PINGs on an otherwise idle connection.
    public static var heartbeatInterval: Self { .init(rawValue: ZMQ_HEARTBEAT_IVL) }
    /// ZMTP heartbeat: milliseconds without traffic after which the connection is dropped.
    public static var heartbeatTimeout: Self { .init(rawValue: ZMQ_HEARTBEAT_TIMEOUT) }
    /// ZMTP heartbeat: the time-to-live the peer is asked to apply, in milliseconds.
    public static var heartbeatTTL: Self { .init(rawValue: ZMQ_HEARTBEAT_TTL) }
    public static var handshakeInterval: Self { .init(rawValue: ZMQ_HANDSHAKE_IVL) }
    public static var reconnectInterval: Self { .init(rawValue: ZMQ_RECONNECT_IVL) }
    public static var reconnectIntervalMax: Self { .init(rawValue: ZMQ_RECONNECT_IVL_MAX) }
    public static var mechanism: Self { .init(rawValue: ZMQ_MECHANISM) }
}

extension SocketOption where Value == Int64 {
    /// Largest inbound message in bytes; a peer that sends more is disconnected.
    public static var maxMessageSize: Self { .init(rawValue: ZMQ_MAXMSGSIZE) }
}

extension SocketOption where Value == Bool {
    /// ROUTER: fail a send to an unknown routing id with `hostUnreachable` instead of dropping it.
    public static var routerMandatory: Self { .init(rawValue: ZMQ_ROUTER_MANDATORY) }
    /// Queue messages only to completed connections.
    public static var immediate: Self { .init(rawValue: ZMQ_IMMEDIATE) }
    public static var curveServer: Self { .init(rawValue: ZMQ_CURVE_SERVER) }
    public static var receiveMore: Self { .init(rawValue: ZMQ_RCVMORE) }
}

extension SocketOption where Value == [UInt8] {
    public static var routingID: Self { .init(rawValue: ZMQ_ROUTING_ID) }
    public static var curvePublicKey: Self { .init(rawValue: ZMQ_CURVE_PUBLICKEY) }
    public static var curveSecretKey: Self { .init(rawValue: ZMQ_CURVE_SECRETKEY) }
    public static var curveServerKey: Self { .init(rawValue: ZMQ_CURVE_SERVERKEY) }
}

extension SocketOption where Value == String {
    public static var zapDomain: Self { .init(rawValue: ZMQ_ZAP_DOMAIN) }
    /// The endpoint actually bound, e.g. the port chosen for `tcp://127.0.0.1:*`.
    public static var lastEndpoint: Self { .init(rawValue: ZMQ_LAST_ENDPOINT) }
    /// PLAIN mechanism (client side): setting either makes the socket a PLAIN client.
    public static var plainUsername: Self { .init(rawValue: ZMQ_PLAIN_USERNAME) }
    public static var plainPassword: Self { .init(rawValue: ZMQ_PLAIN_PASSWORD) }
}
