import Foundation
import TsunagiCore
import TsunagiStore

/// One unacknowledged referral as coordinators see it: routing facts, never the personal part.
public struct PendingItem: Sendable, Hashable, Codable {
    public let id: ReferralID
    public let from: AgencyID
    public let to: AgencyID
    public let needs: [Need]
    public let state: HandoffState
    public let createdDay: CivilDate
    /// Business days from the day it was created to today.
    public let ageBusinessDays: Int
    public let dueDay: CivilDate
    public let overdue: Bool

    enum CodingKeys: String, CodingKey {
        case id, from, to, needs, state, overdue
        case createdDay = "created_day"
        case ageBusinessDays = "age_business_days"
        case dueDay = "due_day"
    }
}

/// The pending view behind `tsunagi pending` and `tsunagi watch`.
public enum PendingView {
    /// Unacknowledged referrals, overdue first, then oldest. Overdue means today is past the due day.
    public static func items(reader: StoreReader, agency: AgencyID? = nil, overdueOnly: Bool = false,
                             today: CivilDate = .today(),
                             calendar: BusinessCalendar = .japanesePublicOffices) throws -> [PendingItem] {
        let items = try reader.openReferrals(agency: agency).map { open in
            PendingItem(
                id: open.id, from: open.from, to: open.to, needs: open.needs, state: open.state,
                createdDay: open.createdDay, ageBusinessDays: calendar.businessDays(from: open.createdDay, to: today),
                dueDay: open.dueDay, overdue: today > open.dueDay)
        }
        let ordered = items.enumerated().sorted { lhs, rhs in
            if lhs.element.overdue != rhs.element.overdue { return lhs.element.overdue }
            if lhs.element.createdDay != rhs.element.createdDay { return lhs.element.createdDay < rhs.element.createdDay }
            return lhs.offset < rhs.offset // store order (oldest submitted first) breaks ties
        }.map(\.element)
        return overdueOnly ? ordered.filter(\.overdue) : ordered
    }

    public static func json(_ items: [PendingItem]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(items)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// A plain table. With `width` (a terminal's columns) long ids and agency names are shortened so
    /// each row fits on one line; without it nothing is cut (for pipes and logs).
    public static func table(_ items: [PendingItem], width: Int? = nil, colour: Bool = false) -> String {
        let header = ["ID", "FROM", "TO", "NEEDS", "STATE", "AGE", "DUE"]
        var rows = items.map { item in
            [item.id.rawValue, item.from.rawValue, item.to.rawValue,
             item.needs.map(\.rawValue).joined(separator: ","), item.state.rawValue,
             "\(item.ageBusinessDays)", item.dueDay.description + (item.overdue ? "!" : "")]
        }
        if width != nil {
            rows = rows.map { row in
                [row[0], AgencyAbbreviation.short(row[1]), AgencyAbbreviation.short(row[2]),
                 NeedAbbreviation.short(row[3]), row[4], row[5], row[6]]
            }
        }
        var widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        if let width { widths = fit(widths, into: width) }
        var lines = [format(header, widths)]
        for (item, row) in zip(items, rows) {
            let line = format(row, widths)
            lines.append(colour && item.overdue ? "\u{1B}[1;31m" + line + "\u{1B}[0m" : line)
        }
        if items.isEmpty { lines.append("(nothing unacknowledged)") }
        let overdueCount = items.filter(\.overdue).count
        lines.append("\(items.count) unacknowledged, \(overdueCount) overdue (age and due in business days; ! = overdue)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Shrinks columns until the row fits `total`: first the id and needs (the agencies matter most
    /// to a coordinator), then the widest of id, from, to and needs.
    static func fit(_ widths: [Int], into total: Int) -> [Int] {
        var widths = widths
        let phases: [(columns: [Int], minimum: [Int: Int])] = [
            ([0, 3], [0: 14, 3: 10]),
            ([0, 1, 2, 3], [0: 8, 1: 8, 2: 8, 3: 5]),
        ]
        for phase in phases {
            while widths.reduce(0, +) + widths.count - 1 > total {
                guard let widest = phase.columns.filter({ widths[$0] > phase.minimum[$0]! })
                    .max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] -= 1
            }
        }
        return widths
    }

    static func format(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { cell, width in
            let text = cell.count > width ? String(cell.prefix(max(width - 1, 0))) + "~" : cell
            return text.padding(toLength: width, withPad: " ", startingAt: 0)
        }.joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

/// Shorter agency kinds for narrow terminals: `welfare-office.susaki` → `welfare.susaki`.
enum AgencyAbbreviation {
    static let kinds = ["peer-support.": "peer.", "employment-base.": "emp.", "welfare-office.": "welfare.",
                        "municipality.": "muni.", "regional-support-center": "regional-center"]

    static func short(_ id: String) -> String {
        for (long, short) in kinds where id.hasPrefix(long) { return short + id.dropFirst(long.count) }
        return id
    }
}

enum NeedAbbreviation {
    static let needs = ["employment": "job", "place-to-belong": "place", "medical": "med", "mental-health": "mental",
                        "family-support": "family", "living-support": "living", "schooling": "school", "other": "other"]

    static func short(_ list: String) -> String {
        list.split(separator: ",").map { needs[String($0)] ?? String($0) }.joined(separator: ",")
    }
}
