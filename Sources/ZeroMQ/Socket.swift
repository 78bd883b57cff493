import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// The socket types the product uses.
public enum SocketType: Int32, Sendable {
    case pair = 0
    case publisher = 1
    case subscriber = 2
    case request = 3
    case reply = 4
    case dealer = 5
    case router = 6
}

/// Flags for a single send or receive.
public struct MessageFlags: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Fail with `ZMQError.wouldBlock` instead of waiting.
    public static let dontWait = MessageFlags(rawValue: ZMQ_DONTWAIT)
    static let sendMore = MessageFlags(rawValue: ZMQ_SNDMORE)
}

/// One multipart message as received, with the connection metadata libzmq attached to it.
public struct ReceivedMessage: Sendable {
    public var frames: [[UInt8]]
    /// The `User-Id` the ZAP handler gave the peer, or nil when none authenticated it.
    public var userID: String?
    /// The peer's IP address, when the transport has one.
    public var peerAddress: String?

    public init(frames: [[UInt8]], userID: String? = nil, peerAddress: String? = nil) {
        self.frames = frames
        self.userID = userID
        self.peerAddress = peerAddress
    }
}

/// A libzmq socket. Not thread-safe, so not copyable: it lives on the thread that made it and is
/// closed when it goes out of scope.
public struct Socket: ~Copyable {
    let handle: UnsafeMutableRawPointer
    public let type: SocketType
    /// Held so that the context outlives the socket: a context released while one of its sockets
    /// is open would block for ever in `zmq_ctx_term`, waiting for that socket to close.
    private let context: Context

    /// Opens a socket with `linger` set to 0: a socket that closes drops what it could not send
    /// rather than holding the context open.
    public init(_ context: Context, type: SocketType, linger: Int32 = 0) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else { throw ZMQError.last }
        var linger = linger
        if zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size) == -1 {
            let error = ZMQError.last
            zmq_close(handle)
            throw error
        }
        self.handle = handle
        self.type = type
        self.context = context
    }

    deinit {
        zmq_close(handle)
    }

    // MARK: Options

    public func set<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        let handle = self.handle
        _ = try value.withOptionBytes { bytes in
            resultRetryingOnInterrupt { zmq_setsockopt(handle, option.rawValue, bytes.baseAddress, bytes.count) }
        }.get()
    }

    public func get(_ option: SocketOption<Int32>) throws(ZMQError) -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try retryingOnInterrupt { zmq_getsockopt(handle, option.rawValue, &value, &size) }
        return value
    }

    public func get(_ option: SocketOption<Int64>) throws(ZMQError) -> Int64 {
        var value: Int64 = 0
        var size = MemoryLayout<Int64>.size
        try retryingOnInterrupt { zmq_getsockopt(handle, option.rawValue, &value, &size) }
        return value
    }

    public func get(_ option: SocketOption<Bool>) throws(ZMQError) -> Bool {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try retryingOnInterrupt { zmq_getsockopt(handle, option.rawValue, &value, &size) }
        return value != 0
    }

    public func get(_ option: SocketOption<String>) throws(ZMQError) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        var size = buffer.count
        try retryingOnInterrupt { zmq_getsockopt(handle, option.rawValue, &buffer, &size) }
        let text = buffer.prefix(size).prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        try retryingOnInterrupt { zmq_bind(handle, endpoint) }
    }

    /// Binds and returns the endpoint actually bound (the port chosen for `tcp://127.0.0.1:*`).
    public func bindReturningEndpoint(_ endpoint: String) throws(ZMQError) -> String {
        try bind(endpoint)
        return try get(.lastEndpoint)
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        try retryingOnInterrupt { zmq_unbind(handle, endpoint) }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        try retryingOnInterrupt { zmq_connect(handle, endpoint) }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try retryingOnInterrupt { zmq_disconnect(handle, endpoint) }
    }

    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        let handle = self.handle
        _ = try prefix.withOptionBytes { bytes in
            resultRetryingOnInterrupt { zmq_setsockopt(handle, ZMQ_SUBSCRIBE, bytes.baseAddress, bytes.count) }
        }.get()
    }

    // MARK: CURVE

    /// Makes this socket a CURVE server with the given secret key. Bind a `ZAPAuthenticator` on the
    /// same context first: without one libzmq lets every client in.
    public func makeCurveServer(secretKey: CurveKey, zapDomain: String = "tsunagi") throws(ZMQError) {
        try set(.curveServer, true)
        try set(.curveSecretKey, secretKey.bytes)
        try set(.zapDomain, zapDomain)
    }

    /// Makes this socket a CURVE client of the server whose public key is given.
    public func makeCurveClient(serverKey: CurveKey, keyPair: CurveKeyPair) throws(ZMQError) {
        try set(.curveServerKey, serverKey.bytes)
        try set(.curvePublicKey, keyPair.publicKey.bytes)
        try set(.curveSecretKey, keyPair.secretKey.bytes)
    }

    // MARK: Sending

    /// Sends one multipart message. Returns false when `dontWait` is given and the send would block.
    @discardableResult
    public func send(_ frames: [[UInt8]], flags: MessageFlags = []) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (index, frame) in frames.enumerated() {
            let more: MessageFlags = index < frames.count - 1 ? .sendMore : []
            let sent = try sendFrame(frame, flags: flags.union(more))
            // libzmq sends multipart messages atomically: only the first frame can be refused.
            if !sent { return false }
        }
        return true
    }

    private func sendFrame(_ frame: [UInt8], flags: MessageFlags) throws(ZMQError) -> Bool {
        let handle = self.handle
        let result = frame.withUnsafeBytes { bytes in
            resultRetryingOnInterrupt { zmq_send(handle, bytes.baseAddress, bytes.count, flags.rawValue) }
        }
        switch result {
        case .success: return true
        case .failure(let error) where error == .wouldBlock && flags.contains(.dontWait): return false
        case .failure(let error): throw error
        }
    }

    public func send(_ strings: String..., flags: MessageFlags = []) throws(ZMQError) {
        try send(strings.map { Array($0.utf8) }, flags: flags)
    }

    // MARK: Receiving

    /// Receives one multipart message, waiting at most the socket's receive timeout.
    /// Returns nil when `dontWait` is given (or the timeout expires) and nothing is there.
    public func receive(flags: MessageFlags = []) throws(ZMQError) -> ReceivedMessage? {
        let message = Message()
        var received = ReceivedMessage(frames: [])
        while true {
            do {
                try message.receive(from: handle, flags: flags)
            } catch {
                if error == .wouldBlock && received.frames.isEmpty { return nil }
                throw error
            }
            // Each property comes from the first frame that carries it: when zmq_poll has
            // prefetched a ROUTER's message, libzmq 4.3.4 leaves the routing-id frame without
            // the connection's metadata (router_t::xhas_in), and only the frames after it have it.
            if received.userID == nil { received.userID = message.property("User-Id") }
            if received.peerAddress == nil { received.peerAddress = message.property("Peer-Address") }
            received.frames.append(message.bytes)
            if !message.hasMore { return received }
        }
    }

    /// Receives one message, waiting at most `timeoutMilliseconds` (via poll, leaving the socket's
    /// own timeout alone). Returns nil when nothing arrived in time.
    public func receive(timeoutMilliseconds: Int) throws(ZMQError) -> ReceivedMessage? {
        var poller = Poller()
        poller.register(self, for: .readable)
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        var wait = timeoutMilliseconds
        while true {
            if try poller.poll(timeoutMilliseconds: wait).first?.contains(.readable) == true,
               let message = try receive(flags: .dontWait) {
                return message
            }
            // A signal ends zmq_poll early with nothing ready: wait again for the time left.
            if timeoutMilliseconds < 0 { continue }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return nil }
            wait = max(1, Int((left / .milliseconds(1)).rounded(.up)))
        }
    }
}

/// A `zmq_msg_t` at a stable heap address, as libzmq requires; reused across frames.
final class Message {
    private let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    func receive(from socket: UnsafeMutableRawPointer, flags: MessageFlags) throws(ZMQError) {
        let pointer = self.pointer
        try retryingOnInterrupt { zmq_msg_recv(pointer, socket, flags.rawValue) }
    }

    var bytes: [UInt8] {
        let size = zmq_msg_size(pointer)
        guard size > 0, let data = zmq_msg_data(pointer) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }

    var hasMore: Bool { zmq_msg_more(pointer) == 1 }

    /// A metadata property; copied at once because libzmq's string dies with the message.
    func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: value, count: strlen(value)), as: UTF8.self)
    }
}
