import ArgumentParser

@main
struct Tsunagi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagi",
        abstract: "Coordinators' and operators' tool for a Tsunagi referral network.",
        subcommands: [
            Init.self, Keygen.self, Pending.self, Show.self, Watch.self, Reconcile.self, Report.self,
            Holidays.self, StoreCommand.self, Console.self, Demo.self, Bench.self,
        ])
}
