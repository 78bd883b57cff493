import ArgumentParser

@main
struct Tsunagi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagi",
        abstract: "Coordinators' and operators' tool for a Tsunagi referral network.",
        subcommands: [Init.self, Bench.self])
}
