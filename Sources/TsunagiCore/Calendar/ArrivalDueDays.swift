import Foundation

/// The due day of a referral arriving now, for an answer window of so many business days, worked
/// out once a day per window rather than once a referral: the day in Japan asks the time zone
/// database, and the business days walk the calendar, together about 2 % of the router's time
/// per submit before.
public struct ArrivalDueDays: Sendable {
    private let calendar: BusinessCalendar
    private let timeZone: TimeZone
    private var today: CivilDate?
    /// The instant the remembered day ends (the next midnight in the time zone).
    private var todayEnds = Date.distantPast
    private var dueByWindow: [Int: CivilDate] = [:]

    public init(calendar: BusinessCalendar = .japanesePublicOffices, timeZone: TimeZone = .japan) {
        self.calendar = calendar
        self.timeZone = timeZone
    }

    /// `businessDays` business days after the day `now` falls on.
    public mutating func dueDay(afterBusinessDays businessDays: Int, at now: Date = Date()) -> CivilDate {
        if now >= todayEnds || now < todayEnds - 86_400 || today == nil {
            let offset = timeZone.secondsFromGMT(for: now)
            let day = CivilDate(now, in: timeZone)
            today = day
            // Japan keeps no summer time; a zone that does is asked again at the next midnight it had.
            todayEnds = Date(timeIntervalSince1970: Double((day.dayNumber + 1) * 86_400 - offset))
            dueByWindow = [:]
        }
        if let due = dueByWindow[businessDays] { return due }
        let due = calendar.adding(businessDays: businessDays, to: today!)
        dueByWindow[businessDays] = due
        return due
    }
}
