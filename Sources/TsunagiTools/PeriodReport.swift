import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// `tsunagi report --period …`: the counts of the prefecture's tables, per agency and by
/// municipality, region and age band. The counting rules (docs/REPORTS.md):
/// - a referral belongs to the period of the day it was created (Japan time);
/// - 他機関へのつなぎ counts the sender's referrals that the destination accepted or completed, one
///   per destination: one person accepted by three agencies counts 3;
/// - declined, withdrawn and still-unanswered referrals are counted beside it, never inside it;
/// - a destination received a referral once its worker held it (delivered, accepted, declined or
///   completed).
public struct PeriodReport: Sendable, Codable {
    public struct Row: Sendable, Codable, Hashable {
        public let agency: AgencyID
        /// The agency's Japanese name from the registry (its id when the registry does not list it).
        public let name: String
        public let kind: String
        public let region: String
        /// 他機関へのつなぎ: referrals out the destination accepted or completed, one per destination.
        public let referralsOut: Int
        /// Referrals out the destination declined: beside つなぎ, never in it.
        public let declinedOut: Int
        /// Referrals out the agency withdrew.
        public let withdrawnOut: Int
        /// Referrals out still waiting for the destination's answer (submitted or delivered).
        public let awaitingOut: Int
        /// Referrals addressed to the agency that reached its worker.
        public let referralsIn: Int
        /// Accepted, whether or not since completed.
        public let accepted: Int
        public let declined: Int
        public let completedByOutcome: [String: Int]

        public var completed: Int { completedByOutcome.values.reduce(0, +) }

        enum CodingKeys: String, CodingKey {
            case agency, name, kind, region, accepted, declined
            case referralsOut = "referrals_out"
            case declinedOut = "declined_out"
            case withdrawnOut = "withdrawn_out"
            case awaitingOut = "awaiting_out"
            case referralsIn = "referrals_in"
            case completedByOutcome = "completed_by_outcome"
        }
    }

    /// Every referral created in the period falls in exactly one of the four columns, so the
    /// rows of a breakdown add up to the total.
    public struct Tally: Sendable, Codable, Hashable {
        /// The municipality, region or age band ("不明" when unknown).
        public let name: String
        /// つなぎ: accepted or completed by the destination.
        public var connected = 0
        public var declined = 0
        public var withdrawn = 0
        /// Submitted, delivered or undeliverable (to be sealed again), no answer yet.
        public var awaiting = 0

        public init(name: String) { self.name = name }

        public var referrals: Int { connected + declined + withdrawn + awaiting }

        mutating func merge(_ other: Tally) {
            connected += other.connected
            declined += other.declined
            withdrawn += other.withdrawn
            awaiting += other.awaiting
        }

        mutating func add(_ state: HandoffState, _ count: Int) {
            switch state {
            case .accepted, .completed: connected += count
            case .declined: declined += count
            case .withdrawn: withdrawn += count
            // Undeliverable waits for the sender to seal it again: still awaiting an answer.
            case .submitted, .delivered, .undeliverable: awaiting += count
            }
        }

        enum CodingKeys: String, CodingKey { case name, connected, declined, withdrawn, awaiting, referrals }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            connected = try container.decode(Int.self, forKey: .connected)
            declined = try container.decode(Int.self, forKey: .declined)
            withdrawn = try container.decode(Int.self, forKey: .withdrawn)
            awaiting = try container.decode(Int.self, forKey: .awaiting)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(connected, forKey: .connected)
            try container.encode(declined, forKey: .declined)
            try container.encode(withdrawn, forKey: .withdrawn)
            try container.encode(awaiting, forKey: .awaiting)
            try container.encode(referrals, forKey: .referrals)
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
    /// Agencies by kind, then region, then id.
    public let rows: [Row]
    /// By the person's municipality, in the order of the local-government codes.
    public let byMunicipality: [Tally]
    /// By the region of the sending agency (the one that counts the つなぎ).
    public let byRegion: [Tally]
    /// By the person's age band.
    public let byAgeBand: [Tally]
    public let total: Tally

    enum CodingKeys: String, CodingKey {
        case period, first, last, rows, total
        case byMunicipality = "by_municipality"
        case byRegion = "by_region"
        case byAgeBand = "by_age_band"
    }

    static let unknown = "不明"

    /// The table's column labels, as the prefecture's tables word them.
    public static let labels = (
        agency: "機関", kind: "種別", region: "圏域",
        referralsOut: "他機関へのつなぎ（つながった先数）", declinedOut: "紹介先が辞退", withdrawnOut: "取り下げ",
        awaitingOut: "回答待ち", referralsIn: "他機関からの紹介（受付）", accepted: "受入", declined: "辞退", completed: "完了",
        outcomes: "完了の内訳")

    /// The breakdowns' column labels.
    public static let tallyLabels = (referrals: "紹介", connected: "つなぎ（受入・完了）", declined: "辞退", withdrawn: "取り下げ",
                                     awaiting: "回答待ち")

    public static func build(period: ReportPeriod, reader: StoreReader, registry: AgencyDirectory?) throws -> PeriodReport {
        build(period: period, groups: try reader.periodGroups(from: period.first, through: period.last), registry: registry)
    }

    static func build(period: ReportPeriod, groups: [PeriodGroup], registry: AgencyDirectory?) -> PeriodReport {
        build(period: period, counts: PeriodCounts(groups), registry: registry)
    }

    /// The report from counts that add up (a period's, or the sum of its days').
    public static func build(period: ReportPeriod, counts: PeriodCounts, registry: AgencyDirectory?) -> PeriodReport {
        func region(of agency: AgencyID) -> String {
            let region = registry?[agency]?.region ?? ""
            return region.isEmpty ? unknown : region
        }
        var total = Tally(name: "合計")
        var regions: [String: Tally] = [:]
        // The region tallies follow the sender, so they are the senders' own tallies summed by region.
        for (sender, out) in counts.out {
            total.merge(out)
            let senderRegion = region(of: sender)
            regions[senderRegion, default: Tally(name: senderRegion)].merge(out)
        }
        // Every registered agency appears, with zeros when it had no referrals: a table with a row
        // missing reads as an agency that did not report.
        let agencies = Set(counts.out.keys).union(counts.received.keys).union(registry?.entries.keys.map { $0 } ?? [])
        let rows = agencies.map { agency in
            let out = counts.out[agency] ?? Tally(name: "")
            let received = counts.received[agency] ?? PeriodCounts.Received()
            let entry = registry?[agency]
            return Row(agency: agency, name: entry?.name ?? agency.rawValue, kind: entry?.kind ?? "", region: entry?.region ?? "",
                       referralsOut: out.connected, declinedOut: out.declined, withdrawnOut: out.withdrawn,
                       awaitingOut: out.awaiting, referralsIn: received.referrals, accepted: received.accepted,
                       declined: received.declined, completedByOutcome: received.outcomes)
        }.sorted { AgencyOrder.agencyPrecedes(($0.kind, $0.region, $0.agency), ($1.kind, $1.region, $1.agency)) }
        let byMunicipality = counts.municipalities.map { municipality, tally in
            var named = Tally(name: municipality.isEmpty ? unknown : municipality)
            named.merge(tally)
            return (municipality, named)
        }.sorted {
            AgencyOrder.municipalityRank($0.0) < AgencyOrder.municipalityRank($1.0)
        }.map(\.1)
        let byRegion = regions.sorted {
            AgencyOrder.regionRank($0.key == unknown ? "" : $0.key) < AgencyOrder.regionRank($1.key == unknown ? "" : $1.key)
        }.map(\.value)
        let byAgeBand = AgeBand.allCases.compactMap { band in
            counts.ageBands[band].map { tally in
                var named = Tally(name: band.japaneseLabel)
                named.merge(tally)
                return named
            }
        }
        return PeriodReport(period: period.label, first: period.first, last: period.last, rows: rows,
                            byMunicipality: byMunicipality, byRegion: byRegion, byAgeBand: byAgeBand, total: total)
    }

    /// The rows' sums, for the table's last line.
    var rowTotals: (out: Int, declinedOut: Int, withdrawnOut: Int, awaitingOut: Int, in: Int, accepted: Int, declined: Int, completed: Int) {
        rows.reduce(into: (0, 0, 0, 0, 0, 0, 0, 0)) { sum, row in
            sum.0 += row.referralsOut; sum.1 += row.declinedOut; sum.2 += row.withdrawnOut; sum.3 += row.awaitingOut
            sum.4 += row.referralsIn; sum.5 += row.accepted; sum.6 += row.declined; sum.7 += row.completed
        }
    }

    func kindLabel(_ row: Row) -> String { AgencyOrder.kindLabels[row.kind] ?? row.kind }

    /// The byte order mark that makes Excel read a CSV file as UTF-8 (without it, Japanese Excel
    /// reads CP932 and shows mojibake).
    public static let byteOrderMark = "\u{FEFF}"

    public func render(_ format: Format) -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
        case .csv:
            return Self.byteOrderMark + csvLines().map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        case .markdown:
            return markdown()
        }
    }

    /// The CSV's lines: the agency table, then each breakdown under a heading line of its own.
    func csvLines() -> [[String]] {
        let l = Self.labels
        var lines = [["期間", "機関ID", l.agency, l.kind, l.region, l.referralsOut, l.declinedOut, l.withdrawnOut, l.awaitingOut,
                      l.referralsIn, l.accepted, l.declined, l.completed, l.outcomes]]
        for row in rows {
            lines.append([period, row.agency.rawValue, row.name, kindLabel(row), row.region, "\(row.referralsOut)",
                          "\(row.declinedOut)", "\(row.withdrawnOut)", "\(row.awaitingOut)", "\(row.referralsIn)",
                          "\(row.accepted)", "\(row.declined)", "\(row.completed)", outcomeText(row)])
        }
        let sums = rowTotals
        lines.append([period, "", "合計", "", "", "\(sums.out)", "\(sums.declinedOut)", "\(sums.withdrawnOut)", "\(sums.awaitingOut)",
                      "\(sums.in)", "\(sums.accepted)", "\(sums.declined)", "\(sums.completed)", ""])
        let t = Self.tallyLabels
        for (title, tallies) in breakdowns {
            lines.append([])
            lines.append(["期間", title, t.referrals, t.connected, t.declined, t.withdrawn, t.awaiting])
            for tally in tallies + [total] {
                lines.append([period, tally.name, "\(tally.referrals)", "\(tally.connected)", "\(tally.declined)",
                              "\(tally.withdrawn)", "\(tally.awaiting)"])
            }
        }
        return lines
    }

    var breakdowns: [(String, [Tally])] {
        [("市町村", byMunicipality), ("圏域（紹介元）", byRegion), ("年代", byAgeBand)]
    }

    func markdown() -> String {
        let l = Self.labels
        var lines = [
            "# つなぎ集計 \(period)（\(first)〜\(last)）", "",
            "## 機関別", "",
            "| \(l.agency) | \(l.kind) | \(l.region) | \(l.referralsOut) | \(l.declinedOut) | \(l.withdrawnOut) | \(l.awaitingOut) | \(l.referralsIn) | \(l.accepted) | \(l.declined) | \(l.completed) | \(l.outcomes) |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in rows {
            lines.append("| \(row.name) | \(kindLabel(row)) | \(row.region) | \(row.referralsOut) | \(row.declinedOut) | \(row.withdrawnOut) | \(row.awaitingOut) | \(row.referralsIn) | \(row.accepted) | \(row.declined) | \(row.completed) | \(outcomeText(row)) |")
        }
        let sums = rowTotals
        lines.append("| 合計 | | | \(sums.out) | \(sums.declinedOut) | \(sums.withdrawnOut) | \(sums.awaitingOut) | \(sums.in) | \(sums.accepted) | \(sums.declined) | \(sums.completed) | |")
        let t = Self.tallyLabels
        for (title, tallies) in breakdowns {
            lines += ["", "## \(title)別", "",
                      "| \(title) | \(t.referrals) | \(t.connected) | \(t.declined) | \(t.withdrawn) | \(t.awaiting) |",
                      "|---|---:|---:|---:|---:|---:|"]
            for tally in tallies + [total] {
                lines.append("| \(tally.name) | \(tally.referrals) | \(tally.connected) | \(tally.declined) | \(tally.withdrawn) | \(tally.awaiting) |")
            }
        }
        lines += ["", "つなぎは紹介先が受け入れた（または完了した）紹介を、つながった先の数で数えます（1人が3機関に受け入れられたら3）。"
                  + "辞退・取り下げ・回答待ちは別に示し、つなぎには含めません。期間は紹介を作成した日（日本時間）で区切ります。"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// "就職 173、修学 31", most frequent first.
    func outcomeText(_ row: Row) -> String {
        row.completedByOutcome.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: "、")
    }

    /// One CSV field: quoted when it holds a comma, quote or line break; text that Excel would
    /// take for a formula (a municipality typed as "=…") gets a leading apostrophe.
    func csvField(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t".contains(first) { text = "'" + text }
        return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
