import ArgumentParser
import TsunagiTools

/// Where the coordinator commands find the router's store and the agency registry.
struct StoreLocationOptions: ParsableArguments {
    @Option(help: "The router's store (default \(ToolPaths.defaultStore)).")
    var store: String?

    @Option(help: "The agency registry (default \(ToolPaths.defaultRegistry)).")
    var registry: String?

    @Option(name: .customLong("config"), help: "Take the store and registry paths from this router.toml.")
    var routerConfig: String?

    /// The resolved paths; a config that cannot be read stops the command with status 2.
    func paths() throws -> ToolPaths {
        do {
            return try ToolPaths.resolve(store: store, registry: registry, routerConfig: routerConfig)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
    }
}

/// Runs `body`, turning a store or config failure into a sentence on stderr and exit status 2.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("\(error)")
        throw ExitCode(2)
    }
}
