import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TsunagiConsole
import TsunagiRuntime
import TsunagiTools
import TsunagiWeb

/// `tsunagi console`: the coordinators' web console, and its accounts.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the coordinators' web console (Japanese), or manage its accounts.",
        subcommands: [Serve.self, User.self, PageBench.self],
        defaultSubcommand: Serve.self)

    /// Where router.toml is: --config, else the installed one.
    struct ConfigOption: ParsableArguments {
        @Option(name: .customLong("config"), help: "The router's config (store, registry, [console], [metrics]).")
        var path = "/etc/tsunagi/router.toml"

        func load() throws -> ConsoleConfig {
            do {
                return try ConsoleConfig.load(path: path)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
    }

    /// `tsunagi console [--config router.toml]`: serves until SIGTERM or Ctrl-C.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the console on [console] listen (default 127.0.0.1:8790) until stopped.")

        @OptionGroup var config: ConfigOption

        @Option(help: "HOST:PORT to listen on instead of [console] listen (port 0: any free port).")
        var listen: String?

        func run() async throws {
            var settings = try config.load()
            if let listen {
                guard let (host, port) = ConsoleConfig.parseListen(listen) else {
                    printError("--listen '\(listen)' is not HOST:PORT (for example 127.0.0.1:8790)")
                    throw ExitCode(2)
                }
                settings.host = host
                settings.port = port
            }
            LogSetup.bootstrap(level: .info)
            let logger = Logger(label: "tsunagi.console")
            let application = try reportingFailures { () throws -> ConsoleApplication in
                let paths = ToolPaths(store: settings.storePath, registry: settings.registryPath)
                let directory = try paths.loadDirectoryIfPresent() ?? AgencyDirectory(entries: [])
                let data = try ConsoleData(storePath: settings.storePath, directory: directory)
                return try ConsoleApplication(config: settings, data: data, logger: logger)
            }
            if (try? UserFile(path: settings.usersPath).names().isEmpty) ?? true {
                logger.warning("no console accounts yet: add one with `tsunagi console user add NAME --config \(config.path)`",
                               metadata: ["users": "\(settings.usersPath)"])
            }
            application.data.prepareReports()
            let host = settings.host
            let app = application.buildApplication(host: host, port: settings.port, logger: logger) { port in
                let shown = host.contains(":") ? "[\(host)]" : host
                logger.info("console serving on http://\(shown):\(port)/")
            }
            try await app.runService()
        }
    }

    /// `tsunagi console bench`: each page's latency over HTTP against a large store (docs/BENCHMARKS.md).
    struct PageBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Time every console page over loopback HTTP with a large store (filled once, then reused).")

        @Option(help: "Folder for the store (router.sqlite is filled when missing) and the bench's account.")
        var directory: String
        @Option(help: "Referrals to fill a new store with.") var fill = 1_000_000
        @Option(help: "Requests per page (the first two of each are not counted).") var requests = 100
        @Flag(help: "Print the figures as JSON.") var json = false

        func run() async throws {
            let report = try await ConsoleBench.run(directory: directory, fill: fill, requests: requests) { line in
                FileHandle.standardError.write(Data("· \(line)\n".utf8))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(ConsoleBench.table(report))
            }
        }
    }

    /// `tsunagi console user add|remove|list`.
    struct User: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the console's accounts (bcrypt hashes in [console] users, owner-only).",
            subcommands: [Add.self, Remove.self, List.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add an account; the password is read from standard input (one line, not echoed at a terminal).")
            @OptionGroup var config: ConfigOption
            @Argument(help: "The user name.") var name: String
            @Flag(help: "Set a new password for an existing account.") var replace = false

            func run() throws {
                let file = UserFile(path: try config.load().usersPath)
                try userCommand {
                    try WebUserCommand.add(file: file, name: name, replace: replace, language: .ja) {
                        try UserFile.readPassword(prompt: WebUserCommand.prompt(for: name, language: .ja))
                    }
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an account; its open sessions end.")
            @OptionGroup var config: ConfigOption
            @Argument(help: "The user name.") var name: String

            func run() throws {
                let file = UserFile(path: try config.load().usersPath)
                try userCommand { try WebUserCommand.remove(file: file, name: name, language: .ja) }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the account names, one a line.")
            @OptionGroup var config: ConfigOption

            func run() throws {
                let file = UserFile(path: try config.load().usersPath)
                try userCommand { try WebUserCommand.list(file: file).joined(separator: "\n") }
            }
        }
    }
}

/// Prints the command's sentence, or its refusal on standard error with exit status 2.
private func userCommand(_ body: () throws -> String) throws {
    do {
        let text = try body()
        if !text.isEmpty { print(text) }
    } catch let error as WebUserError {
        FileHandle.standardError.write(Data("tsunagi console: \(error.japanese) [\(error.code)]\n".utf8))
        throw ExitCode(2)
    }
}
