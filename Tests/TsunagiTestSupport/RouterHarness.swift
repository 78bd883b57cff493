import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools
import ZeroMQ

/// A whole network folder (`tsunagi init`) with the real `tsunagi-router` process running on it.
public final class RouterHarness: @unchecked Sendable {
    public let directory: String
    public let network: NetworkInit.Result
    public let context: Context
    public private(set) var router: DaemonProcess?

    /// - Parameter sealing: give the agencies sealing keys, so that the router takes only sealed
    ///   personal parts to them; the protocol's own tests send plaintext ones.
    public init(sealing: Bool = false) throws {
        directory = makeTemporaryDirectory("tsunagi-router")
        network = try NetworkInit.create(in: (directory as NSString).appendingPathComponent("net"), sealing: sealing)
        context = try Context()
    }

    public var storePath: String { NetworkFolders.storePath(in: network.directory) }
    public var endpoint: String { network.endpoint }

    /// Starts the router and waits until it admits an agency's handshake.
    public func startRouter() throws {
        let router = try DaemonProcess("tsunagi-router", ["--config", network.routerConfigPath],
                                       logDirectory: directory, name: "router")
        self.router = router
        guard try NetworkFolders.answersHandshake(endpoint: endpoint, networkDirectory: network.directory, within: .seconds(30),
                                                  while: { router.isRunning }) else {
            throw HarnessError("the router did not start: \(router.log)")
        }
    }

    public func agency(_ id: String) throws -> RawAgency {
        try RawAgency(context: context, endpoint: endpoint, network: network.directory, agency: id)
    }

    public func reader() throws -> StoreReader { try StoreReader(path: storePath) }

    public func stopRouter() { router?.stop() }
    public func crashRouter() { router?.crash() }

    deinit {
        router?.crash()
        context.terminate()
    }
}
