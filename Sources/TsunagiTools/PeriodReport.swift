import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// `tsunagi report --period …`: per agency, the counts of the prefecture's tables.
public struct PeriodReport: Sendable, Codable {
    public struct Row: Sendable, Codable, Hashable {
        public let agency: AgencyID
        /// The agency's Japanese name from the registry (its id when the registry does not list it).
        public let name: String
        /// 他機関へのつなぎ: counted by destinations reached, so one person handed to three agencies counts 3.
        public let referralsOut: Int
        public let referralsIn: Int
        public let accepted: Int
        public let declined: Int
        public let completedByOutcome: [String: Int]

        public var completed: Int { completedByOutcome.values.reduce(0, +) }

        enum CodingKeys: String, CodingKey {
            case agency, name, accepted, declined
            case referralsOut = "referrals_out"
            case referralsIn = "referrals_in"
            case completedByOutcome = "completed_by_outcome"
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        case markdown = "md"
        case csv
        case json
    }

    public let period: String
    public let first: CivilDate
    public let last: CivilDate
    public let rows: [Row]

    /// The table's column labels, as the prefecture's tables word them.
    public static let labels = (agency: "機関", referralsOut: "他機関へのつなぎ（つながった先数）", referralsIn: "他機関からのつなぎ",
                                accepted: "受入", declined: "辞退", completed: "完了", outcomes: "完了の内訳")

    public static func build(period: ReportPeriod, reader: StoreReader, registry: AgencyDirectory?) throws -> PeriodReport {
        let counts = try reader.periodCounts(from: period.first, through: period.last)
        // Every registered agency appears, with zeros when it had no referrals: a table with a row
        // missing reads as an agency that did not report.
        let agencies = Set(counts.keys).union(registry?.entries.keys.map { $0 } ?? [])
        let rows = agencies.sorted().map { agency in
            let count = counts[agency] ?? AgencyPeriodCounts(agency: agency)
            return Row(agency: agency, name: registry?[agency]?.name ?? agency.rawValue,
                       referralsOut: count.referralsOut, referralsIn: count.referralsIn, accepted: count.accepted,
                       declined: count.declined, completedByOutcome: count.completedByOutcome)
        }
        return PeriodReport(period: period.label, first: period.first, last: period.last, rows: rows)
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
        case .csv:
            let l = Self.labels
            var lines = [["期間", "機関ID", l.agency, l.referralsOut, l.referralsIn, l.accepted, l.declined, l.completed, l.outcomes]
                .map(csvField).joined(separator: ",")]
            for row in rows {
                lines.append([period, row.agency.rawValue, row.name, "\(row.referralsOut)", "\(row.referralsIn)", "\(row.accepted)",
                              "\(row.declined)", "\(row.completed)", outcomeText(row)].map(csvField).joined(separator: ","))
            }
            return lines.joined(separator: "\r\n") + "\r\n"
        case .markdown:
            let l = Self.labels
            var lines = [
                "# つなぎ集計 \(period)（\(first)〜\(last)）", "",
                "| \(l.agency) | \(l.referralsOut) | \(l.referralsIn) | \(l.accepted) | \(l.declined) | \(l.completed) | \(l.outcomes) |",
                "|---|---:|---:|---:|---:|---:|---|",
            ]
            for row in rows {
                lines.append("| \(row.name) | \(row.referralsOut) | \(row.referralsIn) | \(row.accepted) | \(row.declined) | \(row.completed) | \(outcomeText(row)) |")
            }
            let total = rows.reduce(into: (0, 0, 0, 0, 0)) { sum, row in
                sum.0 += row.referralsOut; sum.1 += row.referralsIn; sum.2 += row.accepted; sum.3 += row.declined; sum.4 += row.completed
            }
            lines.append("| 合計 | \(total.0) | \(total.1) | \(total.2) | \(total.3) | \(total.4) | |")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// "就職 173、修学 31", most frequent first.
    func outcomeText(_ row: Row) -> String {
        row.completedByOutcome.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: "、")
    }

    func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
