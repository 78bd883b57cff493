import Foundation
import Logging
import ServiceLifecycle
import TsunagiRuntime
import UnixSignals

/// The router as a swift-service-lifecycle `Service`: runs until the group shuts down gracefully
/// (SIGTERM, SIGINT), then finishes its batch, answers it and closes. SIGHUP reloads the registry.
public struct RouterService: Service {
    public let router: Router
    let logger: Logger
    let metrics: MetricsConfig

    public init(config: RouterConfig, metrics: MetricsConfig = .standard, logger: Logger = Logger(label: "tsunagi.router")) throws {
        router = try Router(config: config, logger: logger)
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        _ = try router.start()
        let router = self.router
        let metricsServer = Task { [metrics, logger] in await MetricsServer(router: router, config: metrics, logger: logger).run() }
        defer { metricsServer.cancel() }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        do { try router.reloadRegistry() } catch {
                            router.logger.error("registry reload failed; keeping the old one", metadata: ["error": "\(error)"])
                        }
                    }
                }
                group.addTask { await waitOnDedicatedThread { router.waitUntilStopped() } }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            router.logger.info("stopping: finishing the current batch")
            Self.stopInBackground(router)
        }
    }

    /// Runs the router in a service group that shuts down gracefully on SIGTERM or SIGINT.
    public func runUntilSignalled() async throws {
        try await runUntilSignalled(logger: logger)
    }

    static func stopInBackground(_ router: Router) {
        Thread { router.stop() }.start()
    }
}
