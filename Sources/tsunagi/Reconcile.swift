import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi reconcile`: every agency's daily ledger against the router's store.
/// Exit status: 0 all agree, 1 discrepancies remain (repair requests made still count until the
/// next run confirms them), 2 usage or config errors.
struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare each agency's ledger report for a day with the router's store and repair what can be repaired.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "The day to check, YYYY-MM-DD (default: yesterday in Japan).")
    var date: String?

    @Flag(help: "JSON instead of the human report.")
    var json = false

    @Flag(inversion: .prefixedNo, help: "Ask the router to redeliver and the workers to resend what is missing.")
    var repair = true

    @Flag(inversion: .prefixedNo, help: "Keep the result as JSON beside the store (reconcile/YYYY-MM-DD.json) for the console.")
    var record = true

    func run() throws {
        let paths = try location.paths()
        let day: CivilDate
        if let date {
            guard let parsed = CivilDate(date) else {
                printError("--date '\(date)' is not a date: write YYYY-MM-DD")
                throw ExitCode(2)
            }
            day = parsed
        } else {
            day = CivilDate.today().adding(days: -1)
        }
        let result = try reportingFailures {
            // Only agencies with a key run a worker; destination-only agencies send no reports.
            let reporting = try paths.loadDirectoryIfPresent()?.reportingAgencies
            return try Reconciler.run(day: day, reader: StoreReader(path: paths.store),
                                      repairStore: repair ? RouterStore(path: paths.store) : nil,
                                      reportingAgencies: reporting)
        }
        print(json ? ReconcileReport.json(result) : ReconcileReport.text(result), terminator: "")
        if record {
            // The console's 突合 page reads these. Failing to keep one does not change what the books
            // say, so the exit status stays the comparison's; the sentence says what is missing.
            do {
                try ReconcileRecords.write(result, storePath: paths.store)
            } catch {
                printError("the result was not kept for the console: \(error)")
            }
        }
        if !result.allAgree { throw ExitCode(result.exitStatus) }
    }
}
