import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// `tsunagi show ID`: a referral's routing facts and its whole event history. The personal part
/// is never read here: coordinators see routing facts only.
public enum ReferralDetail {
    public static func render(_ id: ReferralID, reader: StoreReader, registry: AgencyDirectory? = nil) throws -> String? {
        guard let summary = try reader.summary(of: id) else { return nil }
        let history = try reader.history(of: id)
        let routing = summary.routing
        func agency(_ id: AgencyID) -> String {
            registry?[id].map { "\(id) (\($0.name))" } ?? id.rawValue
        }
        var lines = [
            "referral      \(routing.id)",
            "from          \(agency(routing.from))",
            "to            \(agency(routing.to))",
            "created at    \(routing.createdAt)",
            "submitted at  \(summary.submittedAt)",
            "needs         \(routing.needs.map(\.rawValue).joined(separator: ", "))",
            "age band      \(routing.ageBand.japaneseLabel)",
            "sex           \(routing.sex.rawValue)",
            "municipality  \(routing.municipality)",
            "consent       \(routing.consent.basis.rawValue), obtained \(routing.consent.obtainedOn), recorded by \(routing.consent.recordedBy)",
            "due           \(summary.dueDay)",
            "state         \(summary.state.rawValue) (\(summary.state.japaneseLabel)) since \(summary.stateAt)",
            "",
            "history:",
        ]
        for event in history {
            let detail = event.detail.map { ": \($0)" } ?? ""
            lines.append("  #\(event.sequence)  \(event.at)  \(event.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) by \(event.actor)\(detail)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `tsunagi watch`: the pending view redrawn in place.
public enum WatchScreen {
    /// ANSI: cursor home and clear the screen, so each refresh replaces the last.
    public static let clearScreen = "\u{1B}[H\u{1B}[2J"

    /// Colour unless asked not to (`--no-color`, or NO_COLOR set to anything, as no-color.org asks).
    public static func wantsColour(noColourFlag: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !noColourFlag && environment["NO_COLOR"] == nil
    }

    /// One frame: a title line and the table, fitted to `width` columns.
    /// `clear` is false for `--once`, so a script or a test gets plain text.
    public static func frame(items: [PendingItem], now: Date = Date(), width: Int = 80, colour: Bool, clear: Bool,
                             agency: AgencyID?) -> String {
        let clock = japanClock(now)
        let scope = agency.map { " for \($0)" } ?? ""
        var title = "tsunagi watch\(scope): unacknowledged referrals, \(clock) JST"
        if title.count > width { title = String(title.prefix(width)) }
        return (clear ? clearScreen : "") + title + "\n" + PendingView.table(items, width: width, colour: colour)
    }
}

/// "2024-05-03 09:30": the wall clock in Japan, whatever the server's zone.
func japanClock(_ now: Date) -> String {
    let localSeconds = Int(now.timeIntervalSince1970) + TimeZone.japan.secondsFromGMT(for: now)
    let secondOfDay = ((localSeconds % 86_400) + 86_400) % 86_400
    let hour = secondOfDay / 3600, minute = secondOfDay % 3600 / 60
    return "\(CivilDate(now, in: .japan)) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
}

/// `tsunagi holidays YEAR`: the closures the business-day calendar uses.
public enum HolidayList {
    public static func render(year: Int, calendar: BusinessCalendar = .japanesePublicOffices) -> String {
        let closures = calendar.holidaysAndClosures(in: year)
        var lines = closures.map { "\($0.date) \($0.date.weekday.japaneseName.prefix(1)) \($0.reason)" }
        lines.append("\(closures.count) days off besides Saturdays and Sundays in \(year)")
        return lines.joined(separator: "\n") + "\n"
    }
}
