import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// 実績: the period report of `tsunagi report`, with its CSV and JSON downloads.
struct ReportModel: Sendable {
    struct Row: Sendable {
        let name: String
        let referralsOut: Int
        let referralsIn: Int
        let accepted: Int
        let declined: Int
        let completed: Int
        let outcomes: String
    }

    /// What the coordinator typed (kept in the field), and the period it names.
    let input: String
    let periodLabel: String
    let first: String
    let last: String
    let rows: [Row]
    let total: Row
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
            return ReportModel(input: input, periodLabel: "", first: "", last: "", rows: [],
                               total: Row(name: "合計", referralsOut: 0, referralsIn: 0, accepted: 0, declined: 0, completed: 0, outcomes: ""),
                               error: error.sentence, downloadQuery: "")
        case .success(let period):
            let report = try PeriodReport.build(period: period, reader: data.reader, registry: data.directory)
            let byID = Dictionary(report.rows.map { ($0.agency, $0) }, uniquingKeysWith: { first, _ in first })
            // The prefecture's order (kind, then region), then anything the registry does not list.
            let ordered = data.orderedAgencies.compactMap { byID[$0.id] }
                + report.rows.filter { data.directory[$0.agency] == nil }
            let rows = ordered.map { row in
                Row(name: row.name, referralsOut: row.referralsOut, referralsIn: row.referralsIn, accepted: row.accepted,
                    declined: row.declined, completed: row.completed, outcomes: outcomeText(row.completedByOutcome))
            }
            let total = Row(name: "合計", referralsOut: rows.reduce(0) { $0 + $1.referralsOut },
                            referralsIn: rows.reduce(0) { $0 + $1.referralsIn }, accepted: rows.reduce(0) { $0 + $1.accepted },
                            declined: rows.reduce(0) { $0 + $1.declined }, completed: rows.reduce(0) { $0 + $1.completed },
                            outcomes: "")
            let label = input.trimmingCharacters(in: .whitespaces).isEmpty
                ? "\(ReportPeriod.fiscalYear(containing: today).label)（本日まで）" : period.label
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "period", value: input.trimmingCharacters(in: .whitespaces))]
            return ReportModel(input: input, periodLabel: label, first: period.first.description, last: period.last.description,
                               rows: rows, total: total, error: nil, downloadQuery: components.percentEncodedQuery ?? "")
        }
    }

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
            let report = try PeriodReport.build(period: period, reader: data.reader, registry: data.directory)
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
