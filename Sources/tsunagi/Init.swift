import ArgumentParser
import TsunagiCore
import TsunagiTools

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a ready network in a folder: keys, agency registry, router and worker configs, on loopback.")

    @Argument(help: "The folder to create the network in (must not hold one already).")
    var directory: String

    @Option(help: "The router's TCP port on 127.0.0.1 (default: a free one).")
    var port: Int?

    func run() throws {
        let network = try NetworkInit.create(in: directory, port: port)
        print("Created a network in \(network.directory): router on \(network.endpoint), \(network.workerConfigPaths.count) agencies.")
        print("Start the router:  tsunagi-router --config \(network.routerConfigPath)")
        print("Start a worker:    tsunagi-saposute run --config \(network.directory)/workers/saposute.kochi.toml")
        if let desk = network.deskAddresses[AgencyID("saposute.kochi")] {
            print("Its staff's desk:  http://\(desk)/ (each worker's own port: [desk] in its config); make a login with")
            print("                   tsunagi-saposute desk user add NAME --config \(network.directory)/workers/saposute.kochi.toml")
        }
    }
}
