import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The worker daemon as a swift-service-lifecycle `Service`: runs until SIGTERM or SIGINT, then
/// finishes the file in hand and closes the connection.
struct WorkerService: Service {
    let daemon: WorkerDaemon
    let logger: Logger

    func run() async throws {
        try daemon.start()
        let daemon = self.daemon
        await withGracefulShutdownHandler {
            await Self.waitForStop(daemon)
        } onGracefulShutdown: {
            daemon.logger.info("stopping: finishing the file in hand")
            Thread { daemon.stop() }.start()
        }
    }

    func runUntilSignalled() async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// The spool thread ends on its own; wait for it without holding a cooperative thread.
    static func waitForStop(_ daemon: WorkerDaemon) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                daemon.waitUntilStopped()
                continuation.resume()
            }.start()
        }
    }
}
