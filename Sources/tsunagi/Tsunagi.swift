import ArgumentParser
import TsunagiRuntime

@main
struct Tsunagi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagi",
        abstract: "Coordinators' and operators' tool for a Tsunagi referral network.",
        version: TsunagiVersion.current,
        subcommands: [
            Init.self, Keygen.self, Pending.self, Show.self, Watch.self, Reconcile.self, Report.self,
            Holidays.self, StoreCommand.self, ConfigCommand.self, Console.self, Demo.self, Bench.self,
        ])
}
