import Foundation

/// The due day of a referral arriving now, for an answer window of so many business days, worked
/// out once a day per window rather than once a referral: walking the business calendar for every
/// submit, with the day in Japan asked of the time zone database, was about 1.5 % of the router's
/// time. Japan's days are exactly 24 hours (no summer time since 1951), so today ends 86,400 s
/// after it began.
public struct ArrivalDueDays: Sendable {
    private let calendar: BusinessCalendar
    private var today: CivilDate?
    /// When the remembered day began and ends (midnight in Japan).
    private var todayBegins = Date.distantFuture
    private var todayEnds = Date.distantPast
    private var dueByWindow: [Int: CivilDate] = [:]

    public init(calendar: BusinessCalendar = .japanesePublicOffices) {
        self.calendar = calendar
    }

    /// `businessDays` business days after the day in Japan that `now` falls on.
    public mutating func dueDay(afterBusinessDays businessDays: Int, at now: Date = Date()) -> CivilDate {
        // Also when the clock was set back before the remembered day.
        if now >= todayEnds || now < todayBegins {
            let day = CivilDate.japan(at: now)
            today = day
            todayBegins = Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 - 9 * 3600))
            todayEnds = todayBegins + 86_400
            dueByWindow = [:]
        }
        if let due = dueByWindow[businessDays] { return due }
        let due = AnswerDueRule(businessDays: businessDays, calendar: calendar).dueDay(madeOn: today!)
        dueByWindow[businessDays] = due
        return due
    }
}
