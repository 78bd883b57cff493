import Foundation
import Testing

/// Runs `body` over a fresh network and kills every process it started, whatever happens. The
/// network's folder is kept only when the test fails, and its logs go into the failure.
func withNetwork(_ body: (TestNetwork) async throws -> Void) async throws {
    let network = try TestNetwork()
    defer { network.shutdown() }
    do {
        try await body(network)
        network.shutdown()
        try? FileManager.default.removeItem(atPath: network.directory)
    } catch {
        Issue.record("\(error)\n\(network.logs())")
    }
}
