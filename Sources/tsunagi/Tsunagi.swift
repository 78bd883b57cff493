import ArgumentParser

@main
struct Tsunagi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagi",
        abstract: "Tsunagi's command-line tool.",
        subcommands: [Keygen.self])
}
