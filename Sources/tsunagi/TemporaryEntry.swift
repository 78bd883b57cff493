import ArgumentParser

// Temporary entry point on this branch, until the `Tsunagi` root command lists these subcommands.
@main
struct TemporaryEntry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagi",
        subcommands: [Pending.self, Show.self, Watch.self, Holidays.self, Reconcile.self, Report.self, StoreCommand.self])
}
