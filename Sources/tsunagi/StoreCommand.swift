import ArgumentParser
import TsunagiTools

/// `tsunagi store verify|backup`.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Check or back up the router's store.", subcommands: [StoreVerify.self, StoreBackup.self])
}

struct StoreVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the store's integrity and invariants; exits 1 listing the problems.")

    @OptionGroup var location: StoreLocationOptions

    func run() throws {
        let paths = try location.paths()
        let problems = try reportingFailures { try StoreMaintenance.verify(storePath: paths.store) }
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            printError("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(paths.store)")
            throw ExitCode(1)
        }
        print("\(paths.store): ok")
    }
}

struct StoreBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the store consistently while the router runs (SQLite online backup).")

    @OptionGroup var location: StoreLocationOptions

    @Argument(help: "The new backup file.")
    var destination: String

    func run() throws {
        let paths = try location.paths()
        let problems = try reportingFailures { try StoreMaintenance.backup(storePath: paths.store, to: destination) }
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            printError("the backup at \(destination) does not verify")
            throw ExitCode(1)
        }
        print("backed up \(paths.store) to \(destination) (verified)")
    }
}
