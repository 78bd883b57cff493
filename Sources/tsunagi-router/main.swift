import ArgumentParser
import Logging
import TsunagiRouter
import TsunagiRuntime

@main
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagi-router",
        abstract: "Receives referrals from agency workers, stores them durably and delivers each to its destination.")

    @Option(name: .long, help: "The router's config file.")
    var config: String = "/etc/tsunagi/router.toml"

    func run() async throws {
        let settings = try RouterConfig.load(path: config)
        LogSetup.bootstrap(level: Logger.Level(rawValue: settings.logLevel) ?? .info)
        try await RouterService(config: settings, metrics: MetricsConfig.load(path: config)).runUntilSignalled()
    }
}
