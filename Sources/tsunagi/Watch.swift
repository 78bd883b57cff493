import ArgumentParser
import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi watch`: the pending view, redrawn in place.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A live view of unacknowledged referrals, overdue first, refreshed in place.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "Only referrals this agency sent or must answer.")
    var agency: String?

    @Flag(help: "Only overdue referrals.")
    var overdue = false

    @Option(help: "Seconds between refreshes.")
    var interval: Int = 5

    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Print one frame and exit (for scripts and tests).")
    var once = false

    func validate() throws {
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
    }

    func run() async throws {
        let paths = try location.paths()
        let agencyFilter = try parseAgency(agency)
        let reader = try reportingFailures { try StoreReader(path: paths.store) }
        let colour = !once && WatchScreen.wantsColour(noColourFlag: noColor)
        while true {
            let items = try reportingFailures { try PendingView.items(reader: reader, agency: agencyFilter, overdueOnly: overdue) }
            print(WatchScreen.frame(items: items, width: TerminalSize.columns(), colour: colour, clear: !once, agency: agencyFilter),
                  terminator: "")
            if once { return }
            try await Task.sleep(for: .seconds(interval))
        }
    }
}
