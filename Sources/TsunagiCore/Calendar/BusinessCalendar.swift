/// Which days an office is open, for deadlines counted in business days (開庁日).
public struct BusinessCalendar: Sendable {
    /// Weekdays that are always days off.
    public let weekend: Set<Weekday>
    /// Whether Japan's national holidays (incl. 振替休日 and 国民の休日) are days off.
    public let closesOnNationalHolidays: Bool
    /// Whether 29 December – 3 January is closed (年末年始).
    public let closesForNewYear: Bool

    public init(weekend: Set<Weekday> = [.saturday, .sunday],
                closesOnNationalHolidays: Bool = true,
                closesForNewYear: Bool = true) {
        // With every weekday off, counting business days would never end.
        precondition(weekend.count < Weekday.allCases.count, "a business calendar needs at least one working weekday")
        self.weekend = weekend
        self.closesOnNationalHolidays = closesOnNationalHolidays
        self.closesForNewYear = closesForNewYear
    }

    /// Japanese public offices (行政機関の休日に関する法律): Saturdays, Sundays, national holidays
    /// and the New Year closing days, 29 December – 3 January.
    public static let japanesePublicOffices = BusinessCalendar()

    public static let newYearClosingReason = "年末年始"

    public func isBusinessDay(_ date: CivilDate) -> Bool {
        closureReason(on: date) == nil
    }

    /// Why `date` is a day off, or `nil` on a business day. A holiday's name wins over
    /// "年末年始", which wins over the weekday ("土曜日", "日曜日"), so 1 January reads "元日".
    public func closureReason(on date: CivilDate) -> String? {
        if closesOnNationalHolidays, let holiday = JapaneseHolidays.holiday(on: date) { return holiday.name }
        if closesForNewYear, isNewYearClosing(date) { return Self.newYearClosingReason }
        let weekday = date.weekday
        return weekend.contains(weekday) ? weekday.japaneseName : nil
    }

    /// Every day off in `year` (weekends included), sorted, with its reason as in `closureReason(on:)`.
    public func daysOff(in year: Int) -> [(date: CivilDate, reason: String)] {
        guard let first = CivilDate(year: year, month: 1, day: 1) else { return [] }
        let dayCount = CivilDate.isLeapYear(year) ? 366 : 365
        return (0..<dayCount).compactMap { offset in
            let date = first.adding(days: offset)
            return closureReason(on: date).map { (date: date, reason: $0) }
        }
    }

    /// Days off in `year` for a reason other than the weekend: holidays and 年末年始, including
    /// those that fall on a weekend. Suited to an operator's list of closures.
    public func holidaysAndClosures(in year: Int) -> [(date: CivilDate, reason: String)] {
        let weekendReasons = Set(weekend.map(\.japaneseName))
        return daysOff(in: year).filter { !weekendReasons.contains($0.reason) }
    }

    /// The `n`-th business day after `date`: `n` = 1 is the next business day, `n` = 0 is `date`
    /// itself when it is a business day and otherwise the next one. A negative `n` counts back
    /// to the |n|-th business day before `date`.
    public func adding(businessDays n: Int, to date: CivilDate) -> CivilDate {
        var current = date
        if n == 0 {
            while !isBusinessDay(current) { current = current.adding(days: 1) }
            return current
        }
        let step = n > 0 ? 1 : -1
        var remaining = n.magnitude
        while remaining > 0 {
            current = current.adding(days: step)
            if isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }

    /// The number of business days `d` with `start < d <= end`, i.e. how many business days
    /// pass going from `start` to `end`; 0 when `end <= start`. Inverse of `adding(businessDays:to:)`
    /// for `n` ≥ 1.
    public func businessDays(from start: CivilDate, to end: CivilDate) -> Int {
        guard end > start else { return 0 }
        // Whole weeks by arithmetic, the rest day by day, then the closures that fall on a
        // working weekday: the pending view asks this for every row, over months for old ones.
        let span = end.dayNumber - start.dayNumber
        var working = span / 7 * (7 - weekend.count)
        var dayNumber = start.dayNumber + span / 7 * 7
        while dayNumber < end.dayNumber {
            dayNumber += 1
            if !weekend.contains(CivilDate(dayNumber: dayNumber).weekday) { working += 1 }
        }
        for year in start.year...end.year {
            working -= weekdayClosures(in: year).filter { $0 > start && $0 <= end }.count
        }
        return working
    }

    /// Holidays and New Year closing days of `year` that fall on a working weekday.
    private func weekdayClosures(in year: Int) -> [CivilDate] {
        var closures = Set<CivilDate>()
        if closesOnNationalHolidays {
            for holiday in JapaneseHolidays.holidays(in: year) { closures.insert(holiday.date) }
        }
        if closesForNewYear {
            for day in [1, 2, 3] { closures.insert(CivilDate(year: year, month: 1, day: day)!) }
            for day in [29, 30, 31] { closures.insert(CivilDate(year: year, month: 12, day: day)!) }
        }
        return closures.filter { !weekend.contains($0.weekday) }
    }

    private func isNewYearClosing(_ date: CivilDate) -> Bool {
        (date.month == 12 && date.day >= 29) || (date.month == 1 && date.day <= 3)
    }
}
