import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi show ID`: one referral's routing facts and whole history (never the personal part).
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a referral's routing facts and its whole event history, in Japan time.",
        discussion: "Exit status: 0 shown, 1 no such referral in the store, 2 a bad id, store or registry.")

    @OptionGroup var location: StoreLocationOptions

    @Argument(help: "The referral id.")
    var id: String

    @Flag(help: "JSON for scripts.")
    var json = false

    func run() throws {
        let paths = try location.paths()
        guard let referral = ReferralID(rawValue: id) else {
            printError("'\(id)' is not a referral id (1-64 ASCII letters, digits, '.', '_', ':' or '-')")
            throw ExitCode(2)
        }
        let detail = try reportingFailures {
            try ReferralDetail.load(referral, reader: StoreReader(path: paths.store), registry: try paths.loadDirectoryIfPresent())
        }
        guard let detail else {
            printError("no referral \(referral) in \(paths.store)")
            throw ExitCode(1)
        }
        print(json ? detail.json : detail.text, terminator: "")
    }
}
