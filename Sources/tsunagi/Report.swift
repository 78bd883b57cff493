import ArgumentParser
import TsunagiCore
import TsunagiStore
import TsunagiTools

extension PeriodReport.Format: ExpressibleByArgument {}

/// `tsunagi report --period R4`: the prefecture's per-agency counts.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per agency (by kind and region): つなぎ (referrals out the destination accepted), declined and withdrawn beside it, referrals in, accepted, declined, completed by outcome; by municipality, region and age band.",
        discussion: "The counting rules are in docs/REPORTS.md. Exit status: 0 printed, 2 a bad period, store or registry.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "R4 (fiscal year), R5.4-R5.7 (months) or 2023-04-01..2023-07-31 (default: this fiscal year so far).")
    var period: String?

    @Option(help: "md, csv (UTF-8 with a BOM, for Excel) or json.")
    var format: PeriodReport.Format = .markdown

    func run() throws {
        let paths = try location.paths()
        let parsed: ReportPeriod
        do {
            parsed = try period.map(ReportPeriod.parse) ?? ReportPeriod.fiscalYear(containing: .today())
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
