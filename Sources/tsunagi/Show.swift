import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi show ID`: one referral's routing facts and whole history (never the personal part).
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a referral's routing facts and its whole event history.")

    @OptionGroup var location: StoreLocationOptions

    @Argument(help: "The referral id.")
    var id: String

    func run() throws {
        let paths = try location.paths()
        guard let referral = ReferralID(rawValue: id) else {
            printError("'\(id)' is not a referral id (1-64 ASCII letters, digits, '.', '_', ':' or '-')")
            throw ExitCode(2)
        }
        let text = try reportingFailures {
            try ReferralDetail.render(referral, reader: StoreReader(path: paths.store), registry: try? paths.loadDirectoryIfPresent())
        }
        guard let text else {
            printError("no referral \(referral) in \(paths.store)")
            throw ExitCode(1)
        }
        print(text, terminator: "")
    }
}
