import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// 実績: the period report of `tsunagi report`, with its CSV and JSON downloads.
struct ReportModel: Sendable {
    struct Row: Sendable {
        let name: String
        let region: String
        let referralsOut: Int
        let declinedOut: Int
        let withdrawnOut: Int
        let awaitingOut: Int
        let referralsIn: Int
        let accepted: Int
        let declined: Int
        let completed: Int
        let outcomes: String
    }

    /// One breakdown (by municipality, region or age band) and its total line.
    struct Breakdown: Sendable {
        let id: String
        let title: String
        let tallies: [PeriodReport.Tally]
        let total: PeriodReport.Tally
    }

    /// What the coordinator typed (kept in the field), and the period it names.
    let input: String
    let periodLabel: String
    let first: String
    let last: String
    let rows: [Row]
    let total: Row
    let breakdowns: [Breakdown]
    let error: String?
    let downloadQuery: String

    /// The period from the form: empty means this fiscal year up to today.
    static func period(from input: String, today: CivilDate) -> Result<ReportPeriod, PeriodInputError> {
        let text = input.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            let year = ReportPeriod.fiscalYear(containing: today)
            // Parsing the dates keeps the report's own rules for a span; it cannot fail.
            if let soFar = try? ReportPeriod.parse("\(year.first)..\(today)") { return .success(soFar) }
            return .success(year)
        }
        do {
            return .success(try ReportPeriod.parse(text))
        } catch {
            return .failure(PeriodInputError(input: text))
        }
    }

    static func build(input: String, data: ConsoleData) throws -> ReportModel {
        let today = data.today()
        switch period(from: input, today: today) {
        case .failure(let error):
            return ReportModel(input: input, periodLabel: "", first: "", last: "", rows: [], total: emptyTotal, breakdowns: [],
                               error: error.sentence, downloadQuery: "")
        case .success(let period):
            // Rows come in the prefecture's order (kind, then region), every registered agency included.
            let report = try data.reports.report(period: period, reader: data.reader, registry: data.directory)
            let rows = report.rows.map { row in
                Row(name: row.name, region: row.region, referralsOut: row.referralsOut, declinedOut: row.declinedOut,
                    withdrawnOut: row.withdrawnOut, awaitingOut: row.awaitingOut, referralsIn: row.referralsIn,
                    accepted: row.accepted, declined: row.declined, completed: row.completed,
                    outcomes: outcomeText(row.completedByOutcome))
            }
            func sum(_ value: (Row) -> Int) -> Int { rows.reduce(0) { $0 + value($1) } }
            let total = Row(name: "合計", region: "", referralsOut: sum(\.referralsOut), declinedOut: sum(\.declinedOut),
                            withdrawnOut: sum(\.withdrawnOut), awaitingOut: sum(\.awaitingOut), referralsIn: sum(\.referralsIn),
                            accepted: sum(\.accepted), declined: sum(\.declined), completed: sum(\.completed), outcomes: "")
            let breakdowns = [
                Breakdown(id: "municipality", title: "市町村別", tallies: report.byMunicipality, total: report.total),
                Breakdown(id: "region", title: "圏域別（紹介元の圏域）", tallies: report.byRegion, total: report.total),
                Breakdown(id: "age", title: "年代別", tallies: report.byAgeBand, total: report.total),
            ]
            let label = input.trimmingCharacters(in: .whitespaces).isEmpty
                ? "\(ReportPeriod.fiscalYear(containing: today).label)（本日まで）" : period.label
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "period", value: input.trimmingCharacters(in: .whitespaces))]
            return ReportModel(input: input, periodLabel: label, first: period.first.description, last: period.last.description,
                               rows: rows, total: total, breakdowns: breakdowns, error: nil,
                               downloadQuery: components.percentEncodedQuery ?? "")
        }
    }

    static let emptyTotal = Row(name: "合計", region: "", referralsOut: 0, declinedOut: 0, withdrawnOut: 0, awaitingOut: 0,
                                referralsIn: 0, accepted: 0, declined: 0, completed: 0, outcomes: "")

    /// "就職 173、修学 31", most frequent first, as the terminal report words it.
    static func outcomeText(_ outcomes: [String: Int]) -> String {
        outcomes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: "、")
    }

    /// The download: CSV in UTF-8 with a byte-order mark (Excel in Japanese Windows then reads it as
    /// UTF-8, not CP932), or JSON as `tsunagi report --format json` prints it.
    static func download(input: String, format: PeriodReport.Format, data: ConsoleData) throws -> Result<(body: String, name: String), PeriodInputError> {
        let today = data.today()
        switch period(from: input, today: today) {
        case .failure(let error): return .failure(error)
        case .success(let period):
            let report = try data.reports.report(period: period, reader: data.reader, registry: data.directory)
            var body = report.render(format)
            if format == .csv, !body.hasPrefix("\u{FEFF}") { body = "\u{FEFF}" + body }
            let name = "tsunagi-report-\(period.first)_\(period.last).\(format == .csv ? "csv" : "json")"
            return .success((body, name))
        }
    }
}

/// A period the report cannot read, said in the coordinator's words.
struct PeriodInputError: Error, Sendable {
    let input: String
    var sentence: String {
        "期間「\(input)」は読めません。R4（令和4年度）、R5.4-R5.7（月の範囲）、2023-04-01..2023-07-31（日付）のように書いてください。"
    }
}
