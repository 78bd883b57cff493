import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// `tsunagi show ID`: a referral's routing facts and its whole event history, every time in
/// Japan time. The personal part is never read here: coordinators see routing facts only.
public struct ReferralDetail: Sendable, Codable {
    public struct Consent: Sendable, Codable {
        public let basis: String
        public let obtainedOn: CivilDate
        public let recordedBy: String

        enum CodingKeys: String, CodingKey {
            case basis
            case obtainedOn = "obtained_on"
            case recordedBy = "recorded_by"
        }
    }

    public struct Event: Sendable, Codable {
        public let sequence: Int64
        public let state: HandoffState
        public let actor: AgencyID
        public let actorName: String?
        /// ISO 8601 in Japan time (+09:00).
        public let at: String
        public let detail: String?
        /// The staff member of `actor` who gave the answer, when the worker named one.
        public let staff: String?

        enum CodingKeys: String, CodingKey {
            case sequence, state, actor, at, detail, staff
            case actorName = "actor_name"
        }
    }

    public let id: ReferralID
    public let from: AgencyID
    public let fromName: String?
    public let to: AgencyID
    public let toName: String?
    public let createdAt: String
    public let submittedAt: String
    public let needs: [Need]
    public let ageBand: AgeBand
    public let sex: Sex
    public let municipality: String
    public let consent: Consent
    public let dueDay: CivilDate
    public let state: HandoffState
    public let stateLabel: String
    public let stateAt: String
    /// The reason of a decline or withdrawal, or the outcome of a completion.
    public let detail: String?
    public let history: [Event]

    enum CodingKeys: String, CodingKey {
        case id, from, to, needs, sex, municipality, consent, state, detail, history
        case fromName = "from_name"
        case toName = "to_name"
        case createdAt = "created_at"
        case submittedAt = "submitted_at"
        case ageBand = "age_band"
        case dueDay = "due_day"
        case stateLabel = "state_label"
        case stateAt = "state_at"
    }

    /// The referral as the store holds it, or nil when the store does not hold it.
    public static func load(_ id: ReferralID, reader: StoreReader, registry: AgencyDirectory? = nil) throws -> ReferralDetail? {
        guard let summary = try reader.summary(of: id) else { return nil }
        let routing = summary.routing
        return ReferralDetail(
            id: routing.id, from: routing.from, fromName: registry?[routing.from]?.name, to: routing.to,
            toName: registry?[routing.to]?.name, createdAt: JapanTime.iso(routing.createdAt),
            submittedAt: JapanTime.iso(summary.submittedAt), needs: routing.needs, ageBand: routing.ageBand, sex: routing.sex,
            municipality: routing.municipality,
            consent: Consent(basis: routing.consent.basis.rawValue, obtainedOn: routing.consent.obtainedOn,
                             recordedBy: routing.consent.recordedBy),
            dueDay: summary.dueDay, state: summary.state, stateLabel: summary.state.japaneseLabel,
            stateAt: JapanTime.iso(summary.stateAt), detail: summary.detail,
            history: try reader.history(of: id).map { event in
                Event(sequence: event.sequence, state: event.state, actor: event.actor, actorName: registry?[event.actor]?.name,
                      at: JapanTime.iso(event.at), detail: event.detail, staff: event.staff)
            })
    }

    public static func render(_ id: ReferralID, reader: StoreReader, registry: AgencyDirectory? = nil) throws -> String? {
        try load(id, reader: reader, registry: registry)?.text
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }

    public var text: String {
        func agency(_ id: AgencyID, _ name: String?) -> String { name.map { "\(id) (\($0))" } ?? id.rawValue }
        var lines = [
            "referral      \(id)",
            "from          \(agency(from, fromName))",
            "to            \(agency(to, toName))",
            "created at    \(JapanTime.readable(createdAt))",
            "submitted at  \(JapanTime.readable(submittedAt))",
            "needs         \(needs.map(\.rawValue).joined(separator: ", "))",
            "age band      \(ageBand.japaneseLabel)",
            "sex           \(sex.rawValue)",
            "municipality  \(municipality)",
            "consent       \(consent.basis), obtained \(consent.obtainedOn), recorded by \(consent.recordedBy)",
            "due           \(dueDay)",
            "state         \(state.rawValue) (\(stateLabel)) since \(JapanTime.readable(stateAt))" + (detail.map { ": \($0)" } ?? ""),
            "",
            "history (Japan time):",
        ]
        for event in history {
            let detail = event.detail.map { ": \($0)" } ?? ""
            let staff = event.staff.map { " (staff: \($0))" } ?? ""
            lines.append("  #\(event.sequence)  \(JapanTime.readable(event.at))  \(event.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) by \(event.actor)\(staff)\(detail)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Times as people in Japan read them, whatever zone the text was written in (the store writes
/// UTC; senders write their own offset).
public enum JapanTime {
    /// "2026-12-02T09:30:15+09:00", or the text as given when it is not an ISO 8601 time.
    public static func iso(_ text: String) -> String {
        guard let parts = parts(text) else { return text }
        return "\(parts.day)T\(parts.clock)+09:00"
    }

    /// "2026-12-02 09:30:15 JST" from an ISO 8601 time in any zone (or the +09:00 form above).
    public static func readable(_ text: String) -> String {
        guard let parts = parts(text) else { return text }
        return "\(parts.day) \(parts.clock) JST"
    }

    static func parts(_ text: String) -> (day: CivilDate, clock: String)? {
        guard let epoch = Timestamp.epochSeconds(text) else { return nil }
        let seconds = Int(epoch.rounded(.down)) + 9 * 3600
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let day = CivilDate(year: 1970, month: 1, day: 1)!.adding(days: (seconds - secondOfDay) / 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return (day, "\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))")
    }
}

/// `tsunagi holidays YEAR`: the closures the business-day calendar uses.
public enum HolidayList {
    public struct Day: Sendable, Codable {
        public let date: CivilDate
        /// 月 … 日.
        public let weekday: String
        public let reason: String
        /// Falls on a Saturday or Sunday, so it closes no office that was open anyway.
        public let onWeekend: Bool

        enum CodingKeys: String, CodingKey {
            case date, weekday, reason
            case onWeekend = "on_weekend"
        }
    }

    public struct Year: Sendable, Codable {
        public let year: Int
        public let days: [Day]
        /// Holidays and 年末年始 days that fall on a weekday: the business days they take away.
        public let weekdaysOff: Int

        enum CodingKeys: String, CodingKey {
            case year, days
            case weekdaysOff = "weekdays_off"
        }
    }

    public static func year(_ year: Int, calendar: BusinessCalendar = .japanesePublicOffices) -> Year {
        let days = calendar.holidaysAndClosures(in: year).map { closure in
            Day(date: closure.date, weekday: String(closure.date.weekday.japaneseName.prefix(1)), reason: closure.reason,
                onWeekend: [.saturday, .sunday].contains(closure.date.weekday))
        }
        return Year(year: year, days: days, weekdaysOff: days.filter { !$0.onWeekend }.count)
    }

    public static func render(year: Int, calendar: BusinessCalendar = .japanesePublicOffices) -> String {
        let list = Self.year(year, calendar: calendar)
        var lines = list.days.map { "\($0.date) \($0.weekday) \($0.reason)" + ($0.onWeekend ? " (on a weekend)" : "") }
        let onWeekends = list.days.count - list.weekdaysOff
        lines.append("\(list.weekdaysOff) weekdays off in \(year) besides Saturdays and Sundays"
                     + (onWeekends > 0 ? " (\(onWeekends) more holidays fall on a weekend)" : ""))
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(year: Int, calendar: BusinessCalendar = .japanesePublicOffices) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(Self.year(year, calendar: calendar))) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
