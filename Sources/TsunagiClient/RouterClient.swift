import Foundation
import Logging
import Synchronization
import TsunagiCore
import ZeroMQ

/// A request a worker makes of the router; the client resends it until it is answered.
public enum OutboundRequest: Sendable, Hashable {
    case submit(Referral)
    /// `staff`: the staff member who gave the answer, carried to the router's audit trail.
    case transition(Transition, ReferralID, detail: String?, staff: String? = nil)
    case report(LedgerReport)

    /// Requests with the same key are the same request: a newer one replaces an older one.
    public var key: String {
        switch self {
        case .submit(let referral): "\(Command.submit.rawValue) \(referral.id)"
        case .transition(let transition, let id, _, _): "\(Command.transition(transition).rawValue) \(id)"
        case .report(let report): "\(Command.report.rawValue) \(report.day)"
        }
    }

    var message: WorkerMessage {
        switch self {
        case .submit(let referral): .submit(referral)
        case .transition(let transition, let id, let detail, let staff): .transition(transition, id, detail: detail, staff: staff)
        case .report(let report): .report(report)
        }
    }
}

/// What the client hands back to the worker. Called on the client's thread: do the durable work
/// before returning, because the router is told as soon as these return true.
public protocol RouterClientDelegate: Sendable {
    /// Referrals for this agency that arrived together, in order. Return, for each, true once it
    /// is stored durably (or was already): storing them in one transaction is the point.
    func store(deliveries: [Referral]) -> [Bool]
    /// A status change of a referral this agency is party to. Return true once applied durably.
    func apply(status: StatusUpdate) -> Bool
    /// The router's answer to a request: an acknowledgement or a final refusal.
    func answered(_ request: OutboundRequest, with reply: RouterMessage)
    /// The router lacks a referral this agency sent and asks for it again.
    func resendRequested(_ id: ReferralID)
    func connectionChanged(connected: Bool)
    /// What keeps the connection from coming up, as the socket monitor tells it; nil once it is up.
    func connectionTrouble(_ trouble: ConnectionTrouble?)
}

/// Why the router cannot be reached, told apart by the socket monitor's events (a CURVE client
/// otherwise sees only silence).
public enum ConnectionTrouble: Sendable, Hashable, CustomStringConvertible {
    /// Nothing answers at the endpoint (no route, refused, router down).
    case unreachable(endpoint: String)
    /// The router's ZAP handler refused this agency's key (the status code, e.g. 400): the key is
    /// not in the router's registry, or the registry names it for another agency.
    case keyNotAccepted(status: UInt32)
    /// The router closed the connection during the CURVE handshake: the router's public key in
    /// the config is not the key of the router at that endpoint.
    case handshakeFailed

    /// A stable word for logs, files and `--json`.
    public var code: String {
        switch self {
        case .unreachable: "unreachable"
        case .keyNotAccepted: "key-not-accepted"
        case .handshakeFailed: "handshake-failed"
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let endpoint):
            "nothing answers at \(endpoint): check router_endpoint, the network, and that the router runs"
        case .keyNotAccepted(let status):
            "the router refused this agency's key (ZAP \(status)): its public key is not in the router's registry, or is listed for another agency; send the .pub to the prefecture"
        case .handshakeFailed:
            "the router closed the connection during the encryption handshake: router_public_key is probably not this router's key"
        }
    }
}

/// The worker side of the Tsunagi protocol: one DEALER socket on its own thread, CURVE,
/// heartbeats, reconnect with back-off, and every request retried until answered.
public final class RouterClient: Sendable {
    public struct Settings: Sendable {
        public var endpoint: String
        public var serverKey: CurveKey
        public var keyPair: CurveKeyPair
        public var software: String
        /// Seconds to wait for an answer before sending a request again.
        public var retryInterval: Duration

        public init(endpoint: String, serverKey: CurveKey, keyPair: CurveKeyPair, software: String = "tsunagi",
                    retryInterval: Duration = .seconds(3)) {
            self.endpoint = endpoint
            self.serverKey = serverKey
            self.keyPair = keyPair
            self.software = software
            self.retryInterval = retryInterval
        }
    }

    let settings: Settings
    let delegate: any RouterClientDelegate
    let logger: Logger
    let queue = Mutex(Queue())
    let wakeSignal = WakeSignal()
    private let finished = DispatchSemaphore(value: 0)
    private let started = Mutex(false)

    struct Queue {
        var incoming: [OutboundRequest] = []
        var stopRequested = false
    }

    public init(settings: Settings, delegate: any RouterClientDelegate, logger: Logger = Logger(label: "tsunagi.client")) {
        self.settings = settings
        self.delegate = delegate
        self.logger = logger
    }

    public func start() {
        let alreadyStarted = started.withLock { value in
            defer { value = true }
            return value
        }
        guard !alreadyStarted else { return }
        let thread = Thread { [self] in
            defer { finished.signal() }
            run()
        }
        thread.name = "tsunagi-client"
        thread.start()
    }

    /// Queues a request; it is sent now if connected, else on connection, and again until answered.
    public func send(_ request: OutboundRequest) {
        queue.withLock { $0.incoming.append(request) }
        wakeSignal.wake()
    }

    public func send(_ requests: [OutboundRequest]) {
        guard !requests.isEmpty else { return }
        queue.withLock { $0.incoming.append(contentsOf: requests) }
        wakeSignal.wake()
    }

    /// Stops the loop and waits for it; unanswered requests are the worker's to resend next time.
    public func stop() {
        let wasStarted = started.withLock { $0 }
        queue.withLock { $0.stopRequested = true }
        wakeSignal.wake()
        if wasStarted {
            finished.wait()
            finished.signal()
        }
    }

    private func run() {
        let context: Context
        do {
            context = try Context()
        } catch {
            logger.critical("cannot create a ZeroMQ context", metadata: ["error": "\(error)"])
            return
        }
        defer { context.terminate() }
        var session = ClientSession(client: self)
        var backoff = WireProtocol.reconnectInitialMilliseconds
        while !queue.withLock({ $0.stopRequested }) {
            let outcome = session.connectAndServe(context: context)
            if outcome == .stopped { break }
            if outcome == .wasConnected { backoff = WireProtocol.reconnectInitialMilliseconds }
            logger.info("reconnecting to the router", metadata: ["retry.in_ms": "\(backoff)"])
            session.pause(milliseconds: backoff)
            backoff = min(backoff * 2, WireProtocol.reconnectMaximumMilliseconds)
        }
    }
}

/// The client's state across connections; lives on the client's thread.
struct ClientSession {
    let client: RouterClient
    /// Requests sent and not yet answered, by key, in the order first queued.
    var pending: [String: (request: OutboundRequest, sentAt: ContinuousClock.Instant?, order: Int)] = [:]
    var nextOrder = 0
    var connected = false
    /// When anything was last sent: a PING goes only after a quiet heartbeat interval.
    var lastSent = ContinuousClock.now
    /// Deliveries read in this poll and not yet handed to the worker.
    var deliveries: [Referral] = []
    /// This connection's progress as the socket monitor reports it.
    var tcpConnected = false
    var handshakeSucceeded = false
    /// What was last reported as keeping the connection down.
    var trouble: ConnectionTrouble?

    init(client: RouterClient) { self.client = client }

    enum Outcome { case stopped, lostRouter, wasConnected }

    var logger: Logger { client.logger }

    /// Waits, but wakes early for stop.
    mutating func pause(milliseconds: Int) {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
        while ContinuousClock.now < deadline, !client.queue.withLock({ $0.stopRequested }) {
            var poller = Poller()
            poller.register(fileDescriptor: client.wakeSignal.fileDescriptor, for: .readable)
            _ = try? poller.poll(timeoutMilliseconds: 50)
            takeIncoming()
        }
    }

    mutating func connectAndServe(context: Context) -> Outcome {
        do {
            let socket = try Socket(context, type: .dealer, linger: 0)
            try socket.makeCurveClient(serverKey: client.settings.serverKey, keyPair: client.settings.keyPair)
            try socket.set(.heartbeatInterval, Int32(WireProtocol.heartbeatIntervalMilliseconds))
            try socket.set(.heartbeatTimeout, Int32(WireProtocol.peerTimeoutMilliseconds))
            try socket.set(.maxMessageSize, Limits.messageBytes)
            try socket.set(.sendHighWaterMark, 100_000)
            try socket.set(.receiveHighWaterMark, 100_000)
            // ZMQ_IMMEDIATE stays off: with it, libzmq 4.3 drops the pipe at once when the
            // connection breaks, and a multipart message half read from it aborts the process
            // (fq.cpp `!_more`). Without it the pipe lives through the reconnect.
            // Opened before connecting, so that no event of this connection is missed.
            let monitor = try SocketMonitor(context: context, monitoring: socket,
                                            events: [.connected, .connectRetried, .disconnected, .handshakeSucceeded, .handshakeFailed])
            try socket.connect(client.settings.endpoint)
            return serve(socket, monitor: monitor)
        } catch {
            logger.error("cannot open a connection to the router", metadata: ["error": "\(error)"])
            return .lostRouter
        }
    }

    /// Follows the socket monitor's events; reports what keeps the connection from coming up.
    mutating func watch(_ monitor: borrowing SocketMonitor, since start: ContinuousClock.Instant) {
        while let event = try? monitor.next(timeoutMilliseconds: 0) {
            if event.kind.contains(.connected) {
                tcpConnected = true
            } else if event.kind.contains(.handshakeSucceeded) {
                handshakeSucceeded = true
            } else if event.kind.contains(.handshakeFailedAuth) {
                report(.keyNotAccepted(status: event.value))
            } else if !SocketEventKind.handshakeFailed.isDisjoint(with: event.kind) {
                report(.handshakeFailed)
            } else if event.kind.contains(.disconnected), tcpConnected, !handshakeSucceeded {
                // A CURVE server that cannot open our HELLO (sealed to another key) hangs up
                // without a word; an unknown key gets a ZAP status first (reported above).
                if trouble == nil || trouble == .unreachable(endpoint: client.settings.endpoint) { report(.handshakeFailed) }
            }
        }
        if !tcpConnected, trouble == nil, ContinuousClock.now - start > .milliseconds(WireProtocol.heartbeatIntervalMilliseconds) {
            report(.unreachable(endpoint: client.settings.endpoint))
        }
    }

    mutating func report(_ newTrouble: ConnectionTrouble?) {
        guard newTrouble != trouble else { return }
        trouble = newTrouble
        if let newTrouble {
            logger.error("cannot connect to the router: \(newTrouble)", metadata: ["connection.trouble": "\(newTrouble.code)"])
        }
        client.delegate.connectionTrouble(newTrouble)
    }

    mutating func serve(_ socket: borrowing Socket, monitor: borrowing SocketMonitor) -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        tcpConnected = false
        handshakeSucceeded = false
        var lastHeard = clock.now
        var wasConnected = false
        connected = false
        for key in pending.keys { pending[key]!.sentAt = nil }
        send(.hello(software: client.settings.software), on: socket)
        var helloSentAt = clock.now
        var poller = Poller()
        poller.register(socket, for: .readable)
        poller.register(fileDescriptor: client.wakeSignal.fileDescriptor, for: .readable)
        defer { if connected { connected = false; client.delegate.connectionChanged(connected: false) } }
        while true {
            if client.queue.withLock({ $0.stopRequested }) { return .stopped }
            let ready: [PollEvents]
            do {
                ready = try poller.poll(timeoutMilliseconds: 100)
            } catch {
                return .stopped
            }
            let now = clock.now
            if !connected { watch(monitor, since: start) }
            if ready[1].contains(.readable) {
                client.wakeSignal.clear()
            }
            if takeIncoming(), connected { resendStale(on: socket, now: now) }
            if ready[0].contains(.readable) {
                var drained = 0
                while drained < 1024, let message = try? socket.receive(flags: .dontWait) {
                    drained += 1
                    lastHeard = clock.now
                    handle(message.frames, socket: socket, wasConnected: &wasConnected)
                }
                storeDeliveries(on: socket)
            }
            let heartbeat = Duration.milliseconds(WireProtocol.heartbeatIntervalMilliseconds)
            if now - lastHeard > .milliseconds(WireProtocol.peerTimeoutMilliseconds) {
                logger.warning("router silent; reconnecting", metadata: ["silent.ms": "\(WireProtocol.peerTimeoutMilliseconds)"])
                return wasConnected ? .wasConnected : .lostRouter
            }
            if !connected, now - helloSentAt > heartbeat {
                send(.hello(software: client.settings.software), on: socket)
                helloSentAt = now
            }
            if connected {
                if now - lastSent > heartbeat { send(.ping, on: socket) }
                resendStale(on: socket, now: now)
            }
        }
    }

    /// Moves newly queued requests into `pending`; true when there were any.
    @discardableResult
    mutating func takeIncoming() -> Bool {
        let incoming = client.queue.withLock { queue in
            defer { queue.incoming.removeAll(keepingCapacity: true) }
            return queue.incoming
        }
        for request in incoming {
            let order = pending[request.key]?.order ?? nextOrder
            nextOrder += 1
            pending[request.key] = (request, nil, order)
        }
        return !incoming.isEmpty
    }

    /// Sends every pending request not sent on this connection, or not answered in time.
    mutating func resendStale(on socket: borrowing Socket, now: ContinuousClock.Instant) {
        let due = pending.filter { entry in
            guard let sentAt = entry.value.sentAt else { return true }
            return now - sentAt > client.settings.retryInterval
        }.sorted { $0.value.order < $1.value.order }
        for (key, entry) in due {
            send(entry.request.message, on: socket)
            pending[key]!.sentAt = now
        }
    }

    mutating func send(_ message: WorkerMessage, on socket: borrowing Socket) {
        lastSent = .now
        do {
            _ = try socket.send(message.frames(), flags: .dontWait)
        } catch {
            logger.debug("send failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    mutating func handle(_ frames: [[UInt8]], socket: borrowing Socket, wasConnected: inout Bool) {
        let message: RouterMessage
        do {
            message = try RouterMessage.decode(frames)
        } catch {
            logger.warning("unreadable message from the router", metadata: ["error": "\(error)"])
            return
        }
        if case .deliver(let referral) = message {
            deliveries.append(referral)
            return
        }
        // Whatever follows a delivery (its withdrawal, say) must find it stored.
        storeDeliveries(on: socket)
        switch message {
        case .welcome(let agency, _):
            if !connected {
                connected = true
                wasConnected = true
                logger.info("connected to the router", metadata: ["agency": "\(agency)"])
                report(nil)
                client.delegate.connectionChanged(connected: true)
                resendStale(on: socket, now: .now)
            }
        case .pong:
            break
        case .deliver:
            break
        case .status(let update):
            if client.delegate.apply(status: update) {
                send(.statusAck(sequence: update.sequence), on: socket)
            }
        case .resend(let id):
            client.delegate.resendRequested(id)
        case .submitted(let id, _):
            answer(key: "\(Command.submit.rawValue) \(id)", with: message)
        case .done(let transition, let id, _):
            answer(key: "\(Command.transition(transition).rawValue) \(id)", with: message)
        case .reported(let day):
            answer(key: "\(Command.report.rawValue) \(day)", with: message)
        case .error(let error, let command, let referral):
            let key = "\(command) \(referral)"
            if error.code.isTransient {
                logger.notice("router busy; will retry", metadata: ["error.code": "\(error.code.rawValue)"])
                if pending[key] != nil { pending[key]!.sentAt = .now }
                return
            }
            if pending[key] != nil {
                answer(key: key, with: message)
            } else {
                logger.warning("router refused a message", metadata: [
                    "error.code": "\(error.code.rawValue)", "error.name": "\(error.code.name)", "command": "\(command)",
                ])
            }
        }
    }

    /// Hands the deliveries gathered from one poll to the worker at once, then confirms each it stored.
    mutating func storeDeliveries(on socket: borrowing Socket) {
        guard !deliveries.isEmpty else { return }
        let batch = deliveries
        deliveries.removeAll(keepingCapacity: true)
        for (referral, stored) in zip(batch, client.delegate.store(deliveries: batch)) where stored {
            send(.transition(.confirmDelivery, referral.id, detail: nil), on: socket)
        }
    }

    mutating func answer(key: String, with reply: RouterMessage) {
        guard let entry = pending.removeValue(forKey: key) else { return }
        client.delegate.answered(entry.request, with: reply)
    }
}
