import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

extension PeriodReport.Format: ExpressibleByArgument {}

/// `tsunagi report --period R4`: the prefecture's per-agency counts.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per agency: referrals out (by destinations reached), in, accepted, declined, completed by outcome.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "R4 (fiscal year), R5.4-R5.7 (months) or 2023-04-01..2023-07-31.")
    var period: String

    @Option(help: "md, csv or json.")
    var format: PeriodReport.Format = .markdown

    func run() throws {
        let paths = try location.paths()
        let parsed: ReportPeriod
        do {
            parsed = try ReportPeriod.parse(period)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let report = try reportingFailures {
            try PeriodReport.build(period: parsed, reader: StoreReader(path: paths.store), registry: paths.loadDirectoryIfPresent())
        }
        print(report.render(format), terminator: "")
    }
}
