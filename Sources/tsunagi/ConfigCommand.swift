import ArgumentParser
import Foundation
import TsunagiRuntime
import TsunagiTools

/// `tsunagi config check FILE…`: a router config, an agency registry or a worker config, checked
/// as the program that reads it would; run by the router unit's ExecReload before the SIGHUP.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check Tsunagi config files before a start or a reload.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check router, registry and worker configs: unknown settings, endpoints, key files, folders.",
            discussion: "Exit status: 0 every file is clean, 1 a problem was found, 2 a file could not be checked.")

        @Argument(help: "The config files (router.toml, agencies.toml, workers/*.toml).")
        var files: [String]

        @Flag(help: "Print the result as JSON.")
        var json = false

        struct Report: Encodable {
            let file: String
            let kind: String?
            let problems: [String]
        }

        func run() throws {
            var reports: [Report] = []
            var unusable = false
            for file in files {
                do {
                    let check = try ConfigCheck.run(path: file)
                    reports.append(Report(file: file, kind: check.kind.rawValue, problems: check.problems))
                } catch {
                    unusable = true
                    reports.append(Report(file: file, kind: nil, problems: [error.description]))
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(reports), as: UTF8.self))
            } else {
                for report in reports {
                    if report.problems.isEmpty {
                        print("\(report.file): \(report.kind ?? "config") OK")
                    } else {
                        for problem in report.problems { printError(problem) }
                    }
                }
            }
            if unusable { throw ExitCode(2) }
            if reports.contains(where: { !$0.problems.isEmpty }) { throw ExitCode(1) }
        }
    }
}
