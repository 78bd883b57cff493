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

    public init(config: RouterConfig, logger: Logger = Logger(label: "tsunagi.router")) throws {
        router = try Router(config: config, logger: logger)
        self.logger = logger
    }

    public func run() async throws {
        _ = try router.start()
        let router = self.router
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        do { try router.reloadRegistry() } catch {
                            router.logger.error("registry reload failed; keeping the old one", metadata: ["error": "\(error)"])
                        }
                    }
                }
                group.addTask { await Self.waitForStop(router) }
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
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// The loop's thread ends on its own; wait for it without holding a cooperative thread.
    static func waitForStop(_ router: Router) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                router.waitUntilStopped()
                continuation.resume()
            }
            thread.start()
        }
    }

    static func stopInBackground(_ router: Router) {
        Thread { router.stop() }.start()
    }
}
