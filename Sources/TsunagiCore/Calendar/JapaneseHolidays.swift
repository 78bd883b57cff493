/// One day off under Japanese law: a 国民の祝日, a 振替休日, a 国民の休日, or a one-off day set by a special law.
public struct Holiday: Sendable, Hashable, CustomStringConvertible {
    public let date: CivilDate
    /// Japanese name, e.g. "元日", "振替休日", "国民の休日".
    public let name: String

    public init(date: CivilDate, name: String) {
        self.date = date
        self.name = name
    }

    /// "2024-01-01 元日".
    public var description: String { "\(date) \(name)" }
}

/// National holidays of Japan, computed by rule from the 国民の祝日に関する法律 (in force from
/// 1948-07-20) and its amendments, plus the special laws that moved or added days.
///
/// 春分の日 and 秋分の日 use the usual approximation of the equinox; it matches the officially
/// announced days for 1900–2099. Later years use the 2100–2150 constants and are estimates.
public enum JapaneseHolidays {
    /// Every holiday in `year`, sorted by date. Empty before 1948.
    public static func holidays(in year: Int) -> [Holiday] {
        if let index = precomputed.index(of: year) { return precomputed.byYear[index] }
        return computeHolidays(in: year)
    }

    /// The holiday on `date`, if any.
    public static func holiday(on date: CivilDate) -> Holiday? {
        if precomputed.index(of: date.year) != nil { return precomputed.byDayNumber[date.dayNumber] }
        return computeHolidays(in: date.year).first { $0.date == date }
    }

    // MARK: Cache

    /// Years worked out once, on first use. A `static let` is initialised exactly once and
    /// immutable afterwards, so concurrent lookups need no lock.
    private struct Table: Sendable {
        let years: ClosedRange<Int>
        let byYear: [[Holiday]]
        let byDayNumber: [Int: Holiday]

        func index(of year: Int) -> Int? {
            years.contains(year) ? year - years.lowerBound : nil
        }
    }

    private static let precomputed: Table = {
        let years = 1948...2150
        let byYear = years.map(computeHolidays(in:))
        var byDayNumber: [Int: Holiday] = [:]
        for holiday in byYear.joined() { byDayNumber[holiday.date.dayNumber] = holiday }
        return Table(years: years, byYear: byYear, byDayNumber: byDayNumber)
    }()

    // MARK: Rules

    private enum Name {
        static let newYearsDay = "元日"
        static let comingOfAgeDay = "成人の日"
        static let foundationDay = "建国記念の日"
        static let emperorsBirthday = "天皇誕生日"
        static let vernalEquinoxDay = "春分の日"
        static let showaDay = "昭和の日"
        static let constitutionDay = "憲法記念日"
        static let greeneryDay = "みどりの日"
        static let childrensDay = "こどもの日"
        static let marineDay = "海の日"
        static let mountainDay = "山の日"
        static let respectForTheAgedDay = "敬老の日"
        static let autumnalEquinoxDay = "秋分の日"
        static let healthAndSportsDay = "体育の日"
        static let sportsDay = "スポーツの日"
        static let cultureDay = "文化の日"
        static let laborThanksgivingDay = "勤労感謝の日"
        static let substituteHoliday = "振替休日"
        static let citizensHoliday = "国民の休日"
    }

    /// Days set by special laws (imperial ceremonies); they count as 国民の祝日 for the other rules.
    private static let oneOffHolidays: [(year: Int, month: Int, day: Int, name: String)] = [
        (1959, 4, 10, "皇太子・明仁親王の結婚の儀"),
        (1989, 2, 24, "昭和天皇の大喪の礼"),
        (1990, 11, 12, "即位礼正殿の儀"),
        (1993, 6, 9, "皇太子・徳仁親王の結婚の儀"),
        (2019, 5, 1, "天皇の即位の日"),
        (2019, 10, 22, "即位礼正殿の儀の行われる日"),
    ]

    private static let lawInForce = CivilDate(uncheckedYear: 1948, month: 7, day: 20).dayNumber
    private static let substituteRuleStart = CivilDate(uncheckedYear: 1973, month: 4, day: 12).dayNumber
    private static let citizensHolidayRuleStart = CivilDate(uncheckedYear: 1985, month: 12, day: 27).dayNumber

    static func computeHolidays(in year: Int) -> [Holiday] {
        guard year >= 1948 else { return [] }
        let nationalHolidays = nationalHolidays(in: year)
        var daysOff = nationalHolidays

        // 振替休日: a 祝日 on a Sunday moves a day off forward. Until 2006 only to the Monday
        // (lost if that was a 祝日 too); from 2007 to the next day that is not a 祝日.
        for day in nationalHolidays.keys.sorted()
        where day >= substituteRuleStart && CivilDate(dayNumber: day).weekday == .sunday {
            var substitute = day + 1
            if year >= 2007 {
                while nationalHolidays[substitute] != nil { substitute += 1 }
            } else if nationalHolidays[substitute] != nil {
                continue
            }
            daysOff[substitute] = Name.substituteHoliday
        }

        // 国民の休日: a day between two 祝日 is a day off too. Until 2006 the law excluded
        // Sundays and 振替休日; from 2007 any day that is not itself a 祝日.
        for day in nationalHolidays.keys {
            let between = day + 1
            guard between >= citizensHolidayRuleStart,
                  nationalHolidays[between + 1] != nil,
                  daysOff[between] == nil
            else { continue }
            if year < 2007 && CivilDate(dayNumber: between).weekday == .sunday { continue }
            daysOff[between] = Name.citizensHoliday
        }

        return daysOff.keys.sorted().map { Holiday(date: CivilDate(dayNumber: $0), name: daysOff[$0]!) }
    }

    /// The 国民の祝日 of `year` (and the special-law days treated as such), keyed by day number.
    private static func nationalHolidays(in year: Int) -> [Int: String] {
        var holidays: [Int: String] = [:]
        func on(_ month: Int, _ day: Int, _ name: String) {
            holidays[CivilDate(uncheckedYear: year, month: month, day: day).dayNumber] = name
        }
        /// Happy Monday system: the n-th Monday of the month.
        func onMonday(_ nth: Int, of month: Int, _ name: String) {
            let first = CivilDate(uncheckedYear: year, month: month, day: 1)
            let daysToMonday = (Weekday.monday.rawValue - first.weekday.rawValue + 7) % 7
            on(month, 1 + daysToMonday + 7 * (nth - 1), name)
        }

        on(1, 1, Name.newYearsDay)
        if year >= 2000 { onMonday(2, of: 1, Name.comingOfAgeDay) } else { on(1, 15, Name.comingOfAgeDay) }
        if year >= 1967 { on(2, 11, Name.foundationDay) }
        if year >= 2020 { on(2, 23, Name.emperorsBirthday) }
        on(3, vernalEquinoxDay(in: year), Name.vernalEquinoxDay)
        switch year {
        case ...1988: on(4, 29, Name.emperorsBirthday)
        case 1989...2006: on(4, 29, Name.greeneryDay)
        default: on(4, 29, Name.showaDay)
        }
        on(5, 3, Name.constitutionDay)
        if year >= 2007 { on(5, 4, Name.greeneryDay) }
        on(5, 5, Name.childrensDay)

        // 2020 and 2021 dates were moved by the Tokyo Olympics special laws.
        switch year {
        case 2020: on(7, 23, Name.marineDay)
        case 2021: on(7, 22, Name.marineDay)
        case 2003...: onMonday(3, of: 7, Name.marineDay)
        case 1996...2002: on(7, 20, Name.marineDay)
        default: break
        }
        switch year {
        case 2020: on(8, 10, Name.mountainDay)
        case 2021: on(8, 8, Name.mountainDay)
        case 2016...: on(8, 11, Name.mountainDay)
        default: break
        }
        switch year {
        case 2003...: onMonday(3, of: 9, Name.respectForTheAgedDay)
        case 1966...2002: on(9, 15, Name.respectForTheAgedDay)
        default: break
        }
        on(9, autumnalEquinoxDay(in: year), Name.autumnalEquinoxDay)
        switch year {
        case 2020: on(7, 24, Name.sportsDay)
        case 2021: on(7, 23, Name.sportsDay)
        case 2022...: onMonday(2, of: 10, Name.sportsDay)
        case 2000...2019: onMonday(2, of: 10, Name.healthAndSportsDay)
        case 1966...1999: on(10, 10, Name.healthAndSportsDay)
        default: break
        }
        on(11, 3, Name.cultureDay)
        on(11, 23, Name.laborThanksgivingDay)
        // 2019 has no 天皇誕生日: the abdication fell between the old and new birthdays.
        if (1989...2018).contains(year) { on(12, 23, Name.emperorsBirthday) }

        for oneOff in oneOffHolidays where oneOff.year == year {
            on(oneOff.month, oneOff.day, oneOff.name)
        }
        if year == 1948 { holidays = holidays.filter { $0.key >= lawInForce } }
        return holidays
    }

    // MARK: Equinoxes

    /// Day of March. The published approximation, in integer micro-days so it is exact.
    static func vernalEquinoxDay(in year: Int) -> Int {
        equinoxDay(in: year, before1980: 20_835_700, from1980: 20_843_100, from2100: 21_851_000)
    }

    /// Day of September.
    static func autumnalEquinoxDay(in year: Int) -> Int {
        equinoxDay(in: year, before1980: 23_258_800, from1980: 23_248_800, from2100: 24_248_800)
    }

    private static func equinoxDay(in year: Int, before1980: Int, from1980: Int, from2100: Int) -> Int {
        let (base, leapYearEpoch) = switch year {
        case ..<1980: (before1980, 1983)
        case ..<2100: (from1980, 1980)
        default: (from2100, 1980)
        }
        // The formula's int() truncates toward zero, which Swift's `/` also does for negatives (pre-1980).
        let microdays = base + 242_194 * (year - 1980) - 1_000_000 * ((year - leapYearEpoch) / 4)
        return microdays / 1_000_000
    }
}
