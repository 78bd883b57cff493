import Foundation
import Logging
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// The router daemon: one ROUTER socket on one thread, the store beside it.
///
/// Each poll drains what has arrived, commits it in one transaction (one fsync), then answers.
/// An acknowledgement therefore always follows the commit it acknowledges.
public final class Router: Sendable {
    public let config: RouterConfig
    public let counters = ErrorCounters()
    let store: RouterStore
    let registry: Mutex<Registered>
    let keyPair: CurveKeyPair
    let logger: Logger
    let notifier: SystemdNotifier
    /// One router per store: held for the process's life, so a second router on the same store
    /// refuses to start instead of writing beside this one.
    private let storeLock: ExclusiveFileLock
    private let control = Mutex(Control())
    private let handshakeRefusals = Mutex(RefusalLog(now: .now))
    private let finished = DispatchSemaphore(value: 0)

    struct Control {
        var stopRequested = false
        var authenticator: ZAPAuthenticator?
        /// Why the router stopped on its own, if it did: the process then exits non-zero.
        var failure: StoreError?
    }

    /// Loads keys and registry and opens the store. Every problem here is a start-up error an
    /// operator can act on.
    public init(config: RouterConfig, logger: Logger = Logger(label: "tsunagi.router"),
                notifier: SystemdNotifier = SystemdNotifier()) throws {
        self.config = config
        self.logger = logger
        self.notifier = notifier
        keyPair = try KeyFiles.loadKeyPair(config.secretKeyPath)
        registry = Mutex(Registered(try AgencyRegistry.load(path: config.registryPath)))
        storeLock = try Self.lockStore(config)
        store = try RouterStore(path: config.storePath)
        store.observeCommitDurations { [counters] in counters.recordFsync($0) }
    }

    /// Takes the store's lock file (`<store>.lock`, beside it), or says which router holds it.
    static func lockStore(_ config: RouterConfig) throws -> ExclusiveFileLock {
        let directory = (config.storePath as NSString).deletingLastPathComponent
        try StoreFiles.prepareDirectory(directory.isEmpty ? "." : directory)
        let path = config.storePath + ".lock"
        do {
            return try ExclusiveFileLock(path: path, owner: "pid \(getpid()), endpoint \(config.endpoint)")
        } catch .held(let owner) {
            throw StoreError("another router (\(owner.isEmpty ? "pid unknown" : owner)) is using the store \(config.storePath): "
                + "stop it first, or give this router a store of its own (`store` in its router.toml)")
        } catch .unusable(let reason) {
            throw StoreError(reason)
        }
    }

    /// Starts the loop on its own thread and returns the endpoint it bound once it is serving.
    public func start() throws -> String {
        let startup = Startup()
        let thread = Thread { [self] in
            defer { finished.signal() }
            run(startup: startup)
        }
        thread.name = "tsunagi-router"
        thread.start()
        startup.ready.wait()
        if let error = startup.failure.withLock({ $0 }) { throw error }
        return startup.endpoint.withLock { $0 }
    }

    /// Asks the loop to finish its batch, answer it and close; returns once it has.
    public func stop() {
        control.withLock { $0.stopRequested = true }
        finished.wait()
        finished.signal()
    }

    /// Waits until the loop has ended.
    public func waitUntilStopped() {
        finished.wait()
        finished.signal()
    }

    /// The registry as the router uses it: agencies by id, and by the key each connects with.
    ///
    /// The ZAP handler names a connection by its public key (the `User-Id` of every message), not
    /// by its agency: each message is then judged against the registry of the moment, so a key
    /// removed (or rotated away) by a reload is refused on the connections it already has.
    /// libzmq cannot close one peer of a ROUTER socket.
    struct Registered: Sendable {
        let agencies: AgencyRegistry
        let agencyByKey: [String: AgencyID]
        let version: Int

        init(_ agencies: AgencyRegistry, version: Int = 0) {
            self.agencies = agencies
            self.version = version
            var byKey: [String: AgencyID] = [:]
            for agency in agencies.agencies.values {
                if let key = agency.publicKey { byKey[key.z85] = agency.id }
            }
            agencyByKey = byKey
        }

        /// The ZAP allow-list: each registered key, named by itself.
        var allowList: [CurveKey: String] {
            Dictionary(uniqueKeysWithValues: agencies.allowList.keys.map { ($0, $0.z85) })
        }
    }

    /// The agency a connection's key belongs to now, if it is still registered.
    func agency(forKey key: String) -> AgencyID? { registry.withLock { $0.agencyByKey[key] } }

    /// Incremented by every reload, so the loop knows to look at its links again.
    var registryVersion: Int { registry.withLock { $0.version } }

    /// Re-reads the registry: new keys are admitted; removed keys are refused, on new connections
    /// and on those they already have (the loop drops their links at its next turn).
    public func reloadRegistry() throws {
        let fresh = try AgencyRegistry.load(path: config.registryPath)
        let registered = registry.withLock { current in
            current = Registered(fresh, version: current.version + 1)
            return current
        }
        control.withLock { $0.authenticator }?.replaceAllowList(registered.allowList)
        logger.info("registry reloaded", metadata: ["registry.agencies": "\(fresh.agencies.count)"])
    }

    var stopRequested: Bool { control.withLock { $0.stopRequested } }

    /// Counts and logs (rate-limited per address and reason) a connection refused at its handshake.
    func refusedHandshake(address: String, mechanism: String, key: String) {
        counters.countRefusedHandshake()
        let inFull = handshakeRefusals.withLock { $0.note(.init(subject: address, reason: "\(mechanism) \(key)")) }
        guard inFull else { return }
        logger.warning("connection refused", metadata: [
            "peer.address": "\(address)", "peer.mechanism": "\(mechanism)", "peer.key": "\(key)",
        ])
    }

    func logHandshakeSummaries(now: ContinuousClock.Instant) {
        for summary in handshakeRefusals.withLock({ $0.endWindow(now: now) }) {
            logger.warning("connections refused in the last minute, beyond the lines logged", metadata: [
                "peer.address": "\(summary.key.subject)", "peer.refusal": "\(summary.key.reason)",
                "connections.refused": "\(summary.refused)", "lines.suppressed": "\(summary.suppressed)",
            ])
        }
    }

    /// The store failure that stopped the router, if one did.
    public var failure: StoreError? { control.withLock { $0.failure } }

    /// Stops the loop after a store failure whose outcome is unknown.
    func fail(_ error: StoreError) {
        control.withLock {
            $0.failure = $0.failure ?? error
            $0.stopRequested = true
        }
    }

    private final class Startup: Sendable {
        let ready = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        let endpoint = Mutex("")
    }

    private func run(startup: Startup) {
        let context: Context
        do {
            context = try Context()
        } catch {
            startup.failure.withLock { $0 = error }
            startup.ready.signal()
            return
        }
        defer { context.terminate() }
        do {
            let authenticator = try ZAPAuthenticator(
                context: context, allowList: registry.withLock { $0.allowList },
                onDecision: { [self] decision in
                    guard !decision.admitted else { return }
                    refusedHandshake(address: decision.address, mechanism: decision.mechanism,
                                     key: decision.publicKey?.z85 ?? "none")
                })
            control.withLock { $0.authenticator = authenticator }
            defer { authenticator.stop() }
            let socket = try Socket(context, type: .router, linger: 1_000)
            try socket.set(.routerMandatory, true)
            try socket.set(.maxMessageSize, Limits.messageBytes)
            try socket.set(.heartbeatInterval, Int32(WireProtocol.heartbeatIntervalMilliseconds))
            try socket.set(.heartbeatTimeout, Int32(WireProtocol.peerTimeoutMilliseconds))
            try socket.set(.sendHighWaterMark, 100_000)
            try socket.set(.receiveHighWaterMark, 100_000)
            try socket.makeCurveServer(secretKey: keyPair.secretKey)
            // A client of another mechanism (NULL, PLAIN) never reaches the ZAP handler: libzmq
            // ends it at the greeting. The monitor sees it, and the loop logs it.
            let monitor = try SocketMonitor(context: context, monitoring: socket,
                                            events: [.accepted, .handshakeFailedProtocol, .handshakeFailedNoDetail, .disconnected])
            let endpoint = try socket.bindReturningEndpoint(config.endpoint)
            startup.endpoint.withLock { $0 = endpoint }
            storeLock.describeOwner("pid \(getpid()), serving on \(endpoint)")
            logger.info("router serving", metadata: ["router.endpoint": "\(endpoint)", "store.path": "\(config.storePath)"])
            notifier.ready(status: "serving on \(endpoint)")
            startup.ready.signal()
            var loop = RouterLoop(router: self)
            loop.serve(socket, monitor: monitor)
            notifier.stopping()
            try? store.checkpoint()
            logger.info("router stopped", metadata: ["router.errors": "\(counters.all.values.reduce(0, +))"])
        } catch {
            logger.error("router cannot serve", metadata: ["error": "\(error)"])
            startup.failure.withLock { $0 = error }
            startup.ready.signal()
        }
    }
}
