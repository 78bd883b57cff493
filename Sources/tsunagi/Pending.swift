import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi pending`: unacknowledged referrals once, overdue first.
struct Pending: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List referrals not yet accepted or declined (and undeliverable ones), overdue first, with age in business days.",
        discussion: "Exit status: 0 listed (also when nothing is unacknowledged), 2 a bad agency id, state, store or registry.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "Only referrals this agency sent or must answer.")
    var agency: String?

    @Option(help: "Only referrals in this state: submitted, delivered or undeliverable (the destination could not open it).")
    var state: String?

    @Flag(help: "Only overdue referrals.")
    var overdue = false

    @Flag(help: "JSON for scripts.")
    var json = false

    func run() throws {
        let paths = try location.paths()
        let agencyFilter = try parseAgency(agency)
        var stateFilter: HandoffState?
        if let state {
            guard let known = HandoffState(rawValue: state), PendingView.states.contains(known) else {
                printError("'\(state)' is not a state pending lists: use submitted, delivered or undeliverable")
                throw ExitCode(2)
            }
            stateFilter = known
        }
        let (items, names) = try reportingFailures {
            (try PendingView.items(reader: StoreReader(path: paths.store), agency: agencyFilter, state: stateFilter,
                                   overdueOnly: overdue),
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
