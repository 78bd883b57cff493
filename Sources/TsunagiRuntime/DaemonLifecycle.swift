import Foundation
import Logging
import ServiceLifecycle

extension Service {
    /// Runs the daemon in a service group that shuts it down gracefully on SIGTERM or SIGINT.
    public func runUntilSignalled(logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Waits for a blocking call (a socket loop's end) on a thread of its own, so that no thread of
/// the cooperative pool — two on these machines — is held while it blocks.
public func waitOnDedicatedThread(_ blockingWait: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread {
            blockingWait()
            continuation.resume()
        }.start()
    }
}
