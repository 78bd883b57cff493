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
    /// The states the view lists: nobody at the destination has answered (submitted, delivered), or
    /// the destination could not open it and it waits for the sender to seal it again (undeliverable).
    public static let states: [HandoffState] = [.submitted, .delivered, .undeliverable]

    /// Referrals waiting for an answer (`states`), overdue first, then oldest; with `state`, only
    /// those in it. Overdue means today is past the due day.
    public static func items(reader: StoreReader, agency: AgencyID? = nil, state: HandoffState? = nil,
                             overdueOnly: Bool = false, today: CivilDate = .today(),
                             calendar: BusinessCalendar = .japanesePublicOffices) throws -> [PendingItem] {
        let open = try reader.openReferrals(agency: agency, includingUndeliverable: state == nil || state == .undeliverable)
        let items = open.filter { state == nil || $0.state == state }.map { open in
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

    /// A plain table with every id in full and, when the registry is at hand, the agencies'
    /// Japanese names; nothing is cut (for pipes, logs and wide terminals). `tsunagi watch` lays
    /// the same rows out to fit its screen.
    public static func table(_ items: [PendingItem], names: AgencyDirectory? = nil) -> String {
        let layout = WatchLayout(items: items, names: names, width: 10_000)
        var lines = layout.headings
        for item in items { lines += layout.lines(for: item) }
        if items.isEmpty { lines.append("(nothing unacknowledged)") }
        lines.append(summary(items))
        return lines.joined(separator: "\n") + "\n"
    }
}

extension PendingView {
    /// "3 unacknowledged, 1 overdue", and the undeliverable ones beside them when there are any.
    public static func summary(_ items: [PendingItem]) -> String {
        let undeliverable = items.filter { $0.state == .undeliverable }.count
        let overdue = items.filter(\.overdue).count
        return "\(items.count - undeliverable) unacknowledged"
            + (undeliverable > 0 ? ", \(undeliverable) undeliverable (waiting for the sender to seal it again)" : "")
            + ", \(overdue) overdue (age and due in business days; ! = overdue)"
    }
}

/// Shorter need words for narrow terminals: `place-to-belong` → `place`.
enum NeedAbbreviation {
    static let needs = ["employment": "job", "place-to-belong": "place", "medical": "med", "mental-health": "mental",
                        "family-support": "family", "living-support": "living", "schooling": "school", "other": "other"]

    static func short(_ list: String) -> String {
        list.split(separator: ",").map { needs[String($0)] ?? String($0) }.joined(separator: ",")
    }
}
