import ArgumentParser
import Foundation
import TsunagiTools

/// `tsunagi demo`: a whole network on loopback and a morning of hand-offs, for a first look.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a whole network on this machine — router, one worker of each kind — through a morning of hand-offs.",
        discussion: """
            Each run creates its own folder under --var (demo-YYYYMMDD-HHMMSS; 'latest' points at the \
            newest) and leaves it there to explore with pending, show and report. Earlier runs are kept; \
            nothing outside --var is touched. Exit status 0 when the closing reconcile agrees.
            """)

    @Option(name: .customLong("var"), help: "The folder for the demo's networks.")
    var varDirectory = "./var"

    @Flag(help: "Keep the router and workers running after the morning, until Ctrl-C (started from a terminal, the demo's services stay up anyway).")
    var keepRunning = false

    func run() throws {
        let options = DemoOptions(varDirectory: varDirectory, keepRunning: keepRunning,
                                  executableDirectory: TsunagiTools.Demo.executableDirectory(),
                                  commandName: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "tsunagi")
        let status: Int32
        do {
            status = try TsunagiTools.Demo.run(options) { line in
                // Unbuffered, so each step shows as it happens, also through a pipe. A reader that
                // went away (a closed terminal, `| tee` after Ctrl-C) must not stop the demo before
                // it has stopped its children: a failed write is dropped.
                try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
            }
        } catch {
            printError("the demo stopped: \(error)")
            throw ExitCode(1)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
