import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// What every console page reads: the store (read-only), the registry's names and regions, the
/// business calendar and today's date in Japan.
public struct ConsoleData: Sendable {
    public let reader: StoreReader
    public let storePath: String
    public let directory: AgencyDirectory
    public let calendar: BusinessCalendar
    /// Today in Japan; a test fixes it.
    public let today: @Sendable () -> CivilDate
    /// The 実績 page's per-day counts, read again only for days the store has changed since.
    public let reports = PeriodReportCache()

    public init(storePath: String, directory: AgencyDirectory, calendar: BusinessCalendar = .japanesePublicOffices,
                today: @escaping @Sendable () -> CivilDate = { CivilDate.today() }) throws {
        self.reader = try StoreReader(path: storePath)
        self.storePath = storePath
        self.directory = directory
        self.calendar = calendar
        self.today = today
    }

    /// Reads this fiscal year's days in the background, so the first 実績 after a start is quick too.
    public func prepareReports() {
        let reader = reader, reports = reports, year = ReportPeriod.fiscalYear(containing: today())
        DispatchQueue.global(qos: .utility).async { _ = try? reports.counts(period: year, reader: reader) }
    }

    /// The agency's Japanese name, or its id when the registry does not list it.
    func name(_ agency: AgencyID) -> String { directory[agency]?.name ?? agency.rawValue }

    func region(_ agency: AgencyID) -> String { directory[agency]?.region ?? "" }

    /// Registered agencies by kind, then region (east to west), then id: the prefecture's order.
    var orderedAgencies: [AgencyDirectory.Entry] {
        directory.entries.values.sorted { lhs, rhs in
            let kinds = (rank(lhs.id.kind, in: JapaneseLabels.kindOrder), rank(rhs.id.kind, in: JapaneseLabels.kindOrder))
            if kinds.0 != kinds.1 { return kinds.0 < kinds.1 }
            let regions = (rank(lhs.region, in: JapaneseLabels.regionOrder), rank(rhs.region, in: JapaneseLabels.regionOrder))
            if regions.0 != regions.1 { return regions.0 < regions.1 }
            return lhs.id < rhs.id
        }
    }

    /// The regions the registry uses, in the prefecture's order.
    var regions: [String] {
        Set(directory.entries.values.map(\.region).filter { !$0.isEmpty })
            .sorted { (rank($0, in: JapaneseLabels.regionOrder), $0) < (rank($1, in: JapaneseLabels.regionOrder), $1) }
    }

    private func rank(_ value: String, in order: [String]) -> Int { order.firstIndex(of: value) ?? order.count }
}
