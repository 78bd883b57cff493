/// When an agency must answer a referral whose sender set no due date: a number of business days
/// after the day the referral was made, in the agency's business calendar.
public struct AnswerDueRule: Sendable {
    public let businessDays: Int
    public let calendar: BusinessCalendar

    public init(businessDays: Int, calendar: BusinessCalendar = .japanesePublicOffices) {
        self.businessDays = businessDays
        self.calendar = calendar
    }

    /// The day a referral made on `day` must be answered by, when its sender set no due date.
    public func dueDay(madeOn day: CivilDate) -> CivilDate {
        calendar.adding(businessDays: businessDays, to: day)
    }

    /// Names the rule, so that due days kept under one rule are recognised as stale under another
    /// (the registry may change an agency's business days).
    public var key: String {
        let weekend = calendar.weekend.map(\.rawValue).sorted().map(String.init).joined(separator: ",")
        return "business days \(businessDays); weekend \(weekend); national holidays \(calendar.closesOnNationalHolidays); "
            + "new year \(calendar.closesForNewYear)"
    }
}
