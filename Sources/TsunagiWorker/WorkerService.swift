import Foundation
import Logging
import TsunagiRuntime
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
            await waitOnDedicatedThread { daemon.waitUntilStopped() }
        } onGracefulShutdown: {
            daemon.logger.info("stopping: finishing the file in hand")
            Thread { daemon.stop() }.start()
        }
    }

    func runUntilSignalled() async throws {
        try await runUntilSignalled(logger: logger)
    }
}
