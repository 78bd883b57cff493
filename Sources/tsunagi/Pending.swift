import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi pending`: unacknowledged referrals once, overdue first.
struct Pending: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List referrals not yet accepted or declined, overdue first, with age in business days.",
        discussion: "Exit status: 0 listed (also when nothing is unacknowledged), 2 a bad agency id, store or registry.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "Only referrals this agency sent or must answer.")
    var agency: String?

    @Flag(help: "Only overdue referrals.")
    var overdue = false

    @Flag(help: "JSON for scripts.")
    var json = false

    func run() throws {
        let paths = try location.paths()
        let agencyFilter = try parseAgency(agency)
        let (items, names) = try reportingFailures {
            (try PendingView.items(reader: StoreReader(path: paths.store), agency: agencyFilter, overdueOnly: overdue),
             try paths.loadDirectoryIfPresent())
        }
        print(json ? PendingView.json(items) : PendingView.table(items, names: names), terminator: json ? "\n" : "")
    }
}

/// An agency id from the command line, or exit status 2 with a sentence.
func parseAgency(_ text: String?) throws -> AgencyID? {
    guard let text else { return nil }
    guard let id = AgencyID(rawValue: text) else {
        printError("'\(text)' is not an agency id (lower-case ASCII like saposute.kochi)")
        throw ExitCode(2)
    }
    return id
}
