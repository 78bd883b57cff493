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
    let registry: Mutex<AgencyRegistry>
    let keyPair: CurveKeyPair
    let logger: Logger
    let notifier: SystemdNotifier
    private let control = Mutex(Control())
    private let finished = DispatchSemaphore(value: 0)

    struct Control {
        var stopRequested = false
        var authenticator: ZAPAuthenticator?
    }

    /// Loads keys and registry and opens the store. Every problem here is a start-up error an
    /// operator can act on.
    public init(config: RouterConfig, logger: Logger = Logger(label: "tsunagi.router"),
                notifier: SystemdNotifier = SystemdNotifier()) throws {
        self.config = config
        self.logger = logger
        self.notifier = notifier
        keyPair = try KeyFiles.loadKeyPair(config.secretKeyPath)
        registry = Mutex(try AgencyRegistry.load(path: config.registryPath))
        store = try RouterStore(path: config.storePath)
        store.observeCommitDurations { [counters] in counters.recordFsync($0) }
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

    /// Re-reads the registry: new keys are admitted, removed keys refused, for new connections.
    public func reloadRegistry() throws {
        let fresh = try AgencyRegistry.load(path: config.registryPath)
        registry.withLock { $0 = fresh }
        control.withLock { $0.authenticator }?.replaceAllowList(fresh.allowList)
        logger.info("registry reloaded", metadata: ["registry.agencies": "\(fresh.agencies.count)"])
    }

    var stopRequested: Bool { control.withLock { $0.stopRequested } }

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
            let counters = self.counters
            let logger = self.logger
            let authenticator = try ZAPAuthenticator(
                context: context, allowList: registry.withLock { $0.allowList },
                onDecision: { decision in
                    guard !decision.admitted else { return }
                    counters.countRefusedHandshake()
                    logger.warning("connection refused", metadata: [
                        "peer.address": "\(decision.address)", "peer.mechanism": "\(decision.mechanism)",
                        "peer.key": "\(decision.publicKey?.z85 ?? "none")",
                    ])
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
            let endpoint = try socket.bindReturningEndpoint(config.endpoint)
            startup.endpoint.withLock { $0 = endpoint }
            logger.info("router serving", metadata: ["router.endpoint": "\(endpoint)", "store.path": "\(config.storePath)"])
            notifier.ready(status: "serving on \(endpoint)")
            startup.ready.signal()
            var loop = RouterLoop(router: self)
            loop.serve(socket)
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
