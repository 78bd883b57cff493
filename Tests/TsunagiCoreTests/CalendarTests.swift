import Foundation
import Testing
import TsunagiCore

private func date(_ text: String) -> CivilDate {
    guard let date = CivilDate(text) else { fatalError("bad test date \(text)") }
    return date
}

/// "2024-01-01 元日" lines, which make a failing comparison easy to read.
private func holidayLines(in year: Int) -> [String] {
    JapaneseHolidays.holidays(in: year).map(\.description)
}

private func holidayNames(in year: Int) -> [String: String] {
    Dictionary(uniqueKeysWithValues: JapaneseHolidays.holidays(in: year).map { ($0.date.description, $0.name) })
}

// MARK: - CivilDate

@Suite struct CivilDateTests {
    @Test func leapYearsAreValidated() {
        #expect(CivilDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2023, month: 4, day: 31) == nil)
        #expect(CivilDate(year: 2023, month: 13, day: 1) == nil)
        #expect(CivilDate(year: 2023, month: 0, day: 1) == nil)
        #expect(CivilDate(year: 2023, month: 1, day: 0) == nil)
        #expect(CivilDate(year: 0, month: 1, day: 1) == nil)
        #expect(CivilDate.isLeapYear(2024) && !CivilDate.isLeapYear(2100) && CivilDate.isLeapYear(2400))
    }

    @Test func parsesOnlyExactISODates() {
        let parsed = CivilDate("2024-02-29")
        #expect(parsed?.year == 2024 && parsed?.month == 2 && parsed?.day == 29)
        for bad in ["2024-2-29", "20240229", "2024-02-30", " 2024-02-29", "2024-02-29 ", "2024/02/29",
                    "２０２４-02-29", "+024-02-29", "2024-02-2a", "", "2024-02-290", "0000-01-01"] {
            #expect(CivilDate(bad) == nil, "\(bad) should not parse")
        }
    }

    @Test func describesAsPaddedISO() {
        #expect(CivilDate(year: 5, month: 1, day: 2)?.description == "0005-01-02")
        #expect(date("2024-12-31").description == "2024-12-31")
        #expect(CivilDate(date("1999-07-04").description) == date("1999-07-04"))
    }

    @Test func codesAsISOString() throws {
        let encoded = try JSONEncoder().encode([date("2024-05-03")])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2024-05-03"]"#)
        #expect(try JSONDecoder().decode([CivilDate].self, from: encoded) == [date("2024-05-03")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([CivilDate].self, from: Data(#"["2024-13-01"]"#.utf8))
        }
    }

    @Test func arithmeticAndOrdering() {
        #expect(date("2024-02-28").adding(days: 1) == date("2024-02-29"))
        #expect(date("2024-02-29").adding(days: 1) == date("2024-03-01"))
        #expect(date("2024-12-31").adding(days: 1) == date("2025-01-01"))
        #expect(date("2025-01-01").adding(days: -1) == date("2024-12-31"))
        #expect(date("2025-01-01").days(since: date("2024-01-01")) == 366)
        #expect(date("2024-01-01").days(since: date("2025-01-01")) == -366)
        #expect(date("1969-12-31").adding(days: 1) == date("1970-01-01"))
        #expect(date("2024-05-03") < date("2024-05-04"))
        #expect(date("2023-12-31") < date("2024-01-01"))
        #expect(date("2024-05-03").weekday == .friday)
        #expect(date("1970-01-01").weekday == .thursday)
        #expect(date("1969-12-28").weekday == .sunday)
    }

    /// Every day of 1950–2050 against Foundation's Gregorian calendar.
    @Test func matchesFoundationOverACentury() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let start = date("1950-01-01")
        var mismatches: [String] = []
        for offset in 0..<date("2051-01-01").days(since: start) {
            let civil = start.adding(days: offset)
            let instant = Date(timeIntervalSince1970: Double(civil.days(since: date("1970-01-01"))) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: instant)
            if parts.year != civil.year || parts.month != civil.month || parts.day != civil.day
                || parts.weekday != civil.weekday.rawValue || CivilDate(instant, in: calendar.timeZone) != civil {
                mismatches.append(civil.description)
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test func convertsInstantsInJapan() {
        #expect(TimeZone.japan.secondsFromGMT(for: Date()) == 9 * 3600)
        let midnightInTokyo = Date(timeIntervalSince1970: 1_714_662_000) // 2024-05-02T15:00:00Z
        #expect(CivilDate(midnightInTokyo) == date("2024-05-03"))
        #expect(CivilDate(midnightInTokyo.addingTimeInterval(-1)) == date("2024-05-02"))
        #expect(CivilDate(midnightInTokyo, in: TimeZone(secondsFromGMT: 0)!) == date("2024-05-02"))
        #expect(date("2024-05-03").startOfDay() == midnightInTokyo)
        #expect(date("2024-05-03").startOfDay(in: TimeZone(secondsFromGMT: 0)!)
            == Date(timeIntervalSince1970: 1_714_694_400))
        let today = CivilDate.today()
        #expect(abs(today.days(since: CivilDate(Date(), in: .japan))) <= 1)
    }

    @Test func startOfDayAcrossDaylightSaving() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // Clocks went forward at 02:00 on 2024-03-10, so that day starts at 05:00Z and the next at 04:00Z.
        #expect(date("2024-03-10").startOfDay(in: newYork) == Date(timeIntervalSince1970: 1_710_046_800))
        #expect(date("2024-03-11").startOfDay(in: newYork) == Date(timeIntervalSince1970: 1_710_129_600))
        // Santiago skipped local midnight on 2024-09-08: the day begins at 01:00 (04:00Z).
        if let santiago = TimeZone(identifier: "America/Santiago") {
            let start = date("2024-09-08").startOfDay(in: santiago)
            #expect(CivilDate(start, in: santiago) == date("2024-09-08"))
            #expect(CivilDate(start.addingTimeInterval(-1), in: santiago) == date("2024-09-07"))
        }
    }
}

// MARK: - Japanese holidays

@Suite struct JapaneseHolidaysTests {
    /// As published by 内閣府「国民の祝日について」 (振替休日 / 国民の休日 listed there as 休日).
    static let publishedLists: [Int: [String]] = [
        2016: ["2016-01-01 元日", "2016-01-11 成人の日", "2016-02-11 建国記念の日", "2016-03-20 春分の日",
               "2016-03-21 振替休日", "2016-04-29 昭和の日", "2016-05-03 憲法記念日", "2016-05-04 みどりの日",
               "2016-05-05 こどもの日", "2016-07-18 海の日", "2016-08-11 山の日", "2016-09-19 敬老の日",
               "2016-09-22 秋分の日", "2016-10-10 体育の日", "2016-11-03 文化の日", "2016-11-23 勤労感謝の日",
               "2016-12-23 天皇誕生日"],
        2017: ["2017-01-01 元日", "2017-01-02 振替休日", "2017-01-09 成人の日", "2017-02-11 建国記念の日",
               "2017-03-20 春分の日", "2017-04-29 昭和の日", "2017-05-03 憲法記念日", "2017-05-04 みどりの日",
               "2017-05-05 こどもの日", "2017-07-17 海の日", "2017-08-11 山の日", "2017-09-18 敬老の日",
               "2017-09-23 秋分の日", "2017-10-09 体育の日", "2017-11-03 文化の日", "2017-11-23 勤労感謝の日",
               "2017-12-23 天皇誕生日"],
        2018: ["2018-01-01 元日", "2018-01-08 成人の日", "2018-02-11 建国記念の日", "2018-02-12 振替休日",
               "2018-03-21 春分の日", "2018-04-29 昭和の日", "2018-04-30 振替休日", "2018-05-03 憲法記念日",
               "2018-05-04 みどりの日", "2018-05-05 こどもの日", "2018-07-16 海の日", "2018-08-11 山の日",
               "2018-09-17 敬老の日", "2018-09-23 秋分の日", "2018-09-24 振替休日", "2018-10-08 体育の日",
               "2018-11-03 文化の日", "2018-11-23 勤労感謝の日", "2018-12-23 天皇誕生日", "2018-12-24 振替休日"],
        2019: ["2019-01-01 元日", "2019-01-14 成人の日", "2019-02-11 建国記念の日", "2019-03-21 春分の日",
               "2019-04-29 昭和の日", "2019-04-30 国民の休日", "2019-05-01 天皇の即位の日", "2019-05-02 国民の休日",
               "2019-05-03 憲法記念日", "2019-05-04 みどりの日", "2019-05-05 こどもの日", "2019-05-06 振替休日",
               "2019-07-15 海の日", "2019-08-11 山の日", "2019-08-12 振替休日", "2019-09-16 敬老の日",
               "2019-09-23 秋分の日", "2019-10-14 体育の日", "2019-10-22 即位礼正殿の儀の行われる日",
               "2019-11-03 文化の日", "2019-11-04 振替休日", "2019-11-23 勤労感謝の日"],
        2020: ["2020-01-01 元日", "2020-01-13 成人の日", "2020-02-11 建国記念の日", "2020-02-23 天皇誕生日",
               "2020-02-24 振替休日", "2020-03-20 春分の日", "2020-04-29 昭和の日", "2020-05-03 憲法記念日",
               "2020-05-04 みどりの日", "2020-05-05 こどもの日", "2020-05-06 振替休日", "2020-07-23 海の日",
               "2020-07-24 スポーツの日", "2020-08-10 山の日", "2020-09-21 敬老の日", "2020-09-22 秋分の日",
               "2020-11-03 文化の日", "2020-11-23 勤労感謝の日"],
        2021: ["2021-01-01 元日", "2021-01-11 成人の日", "2021-02-11 建国記念の日", "2021-02-23 天皇誕生日",
               "2021-03-20 春分の日", "2021-04-29 昭和の日", "2021-05-03 憲法記念日", "2021-05-04 みどりの日",
               "2021-05-05 こどもの日", "2021-07-22 海の日", "2021-07-23 スポーツの日", "2021-08-08 山の日",
               "2021-08-09 振替休日", "2021-09-20 敬老の日", "2021-09-23 秋分の日", "2021-11-03 文化の日",
               "2021-11-23 勤労感謝の日"],
        2022: ["2022-01-01 元日", "2022-01-10 成人の日", "2022-02-11 建国記念の日", "2022-02-23 天皇誕生日",
               "2022-03-21 春分の日", "2022-04-29 昭和の日", "2022-05-03 憲法記念日", "2022-05-04 みどりの日",
               "2022-05-05 こどもの日", "2022-07-18 海の日", "2022-08-11 山の日", "2022-09-19 敬老の日",
               "2022-09-23 秋分の日", "2022-10-10 スポーツの日", "2022-11-03 文化の日", "2022-11-23 勤労感謝の日"],
        2023: ["2023-01-01 元日", "2023-01-02 振替休日", "2023-01-09 成人の日", "2023-02-11 建国記念の日",
               "2023-02-23 天皇誕生日", "2023-03-21 春分の日", "2023-04-29 昭和の日", "2023-05-03 憲法記念日",
               "2023-05-04 みどりの日", "2023-05-05 こどもの日", "2023-07-17 海の日", "2023-08-11 山の日",
               "2023-09-18 敬老の日", "2023-09-23 秋分の日", "2023-10-09 スポーツの日", "2023-11-03 文化の日",
               "2023-11-23 勤労感謝の日"],
        2024: ["2024-01-01 元日", "2024-01-08 成人の日", "2024-02-11 建国記念の日", "2024-02-12 振替休日",
               "2024-02-23 天皇誕生日", "2024-03-20 春分の日", "2024-04-29 昭和の日", "2024-05-03 憲法記念日",
               "2024-05-04 みどりの日", "2024-05-05 こどもの日", "2024-05-06 振替休日", "2024-07-15 海の日",
               "2024-08-11 山の日", "2024-08-12 振替休日", "2024-09-16 敬老の日", "2024-09-22 秋分の日",
               "2024-09-23 振替休日", "2024-10-14 スポーツの日", "2024-11-03 文化の日", "2024-11-04 振替休日",
               "2024-11-23 勤労感謝の日"],
        2025: ["2025-01-01 元日", "2025-01-13 成人の日", "2025-02-11 建国記念の日", "2025-02-23 天皇誕生日",
               "2025-02-24 振替休日", "2025-03-20 春分の日", "2025-04-29 昭和の日", "2025-05-03 憲法記念日",
               "2025-05-04 みどりの日", "2025-05-05 こどもの日", "2025-05-06 振替休日", "2025-07-21 海の日",
               "2025-08-11 山の日", "2025-09-15 敬老の日", "2025-09-23 秋分の日", "2025-10-13 スポーツの日",
               "2025-11-03 文化の日", "2025-11-23 勤労感謝の日", "2025-11-24 振替休日"],
        2026: ["2026-01-01 元日", "2026-01-12 成人の日", "2026-02-11 建国記念の日", "2026-02-23 天皇誕生日",
               "2026-03-20 春分の日", "2026-04-29 昭和の日", "2026-05-03 憲法記念日", "2026-05-04 みどりの日",
               "2026-05-05 こどもの日", "2026-05-06 振替休日", "2026-07-20 海の日", "2026-08-11 山の日",
               "2026-09-21 敬老の日", "2026-09-22 国民の休日", "2026-09-23 秋分の日", "2026-10-12 スポーツの日",
               "2026-11-03 文化の日", "2026-11-23 勤労感謝の日"],
    ]

    @Test(arguments: 2016...2026)
    func matchesPublishedList(year: Int) {
        #expect(holidayLines(in: year) == Self.publishedLists[year])
    }

    /// Each entry: a date and its expected name, or nil when it must not be a holiday.
    @Test(arguments: [
        // The law took effect on 1948-07-20: nothing earlier that year.
        ("1948-01-01", nil), ("1948-05-05", nil), ("1948-09-23", "秋分の日"),
        ("1959-04-10", "皇太子・明仁親王の結婚の儀"),
        ("1966-09-15", "敬老の日"), ("1966-10-10", "体育の日"), ("1966-02-11", nil), ("1967-02-11", "建国記念の日"),
        // 振替休日 began with the law of 1973-04-12: 2/11 (a Sunday) was not carried over, 4/29 was.
        ("1973-02-12", nil), ("1973-04-30", "振替休日"),
        ("1979-09-24", "秋分の日"),
        ("1985-01-15", "成人の日"), ("1985-04-29", "天皇誕生日"), ("1985-05-06", "振替休日"),
        ("1985-09-16", "振替休日"), ("1985-11-04", "振替休日"), ("1985-05-04", nil),
        // Before 2007 a sandwiched Sunday stayed a plain Sunday, and 振替休日 took precedence.
        ("1986-05-04", nil), ("1987-05-04", "振替休日"), ("1988-05-04", "国民の休日"),
        ("1989-01-02", "振替休日"), ("1989-01-16", "振替休日"), ("1989-02-24", "昭和天皇の大喪の礼"),
        ("1989-04-29", "みどりの日"), ("1989-05-04", "国民の休日"), ("1989-12-23", "天皇誕生日"),
        ("1990-09-24", "振替休日"), ("1990-11-12", "即位礼正殿の儀"),
        ("1993-06-09", "皇太子・徳仁親王の結婚の儀"),
        ("1995-07-20", nil), ("1996-07-20", "海の日"),
        ("1999-01-15", "成人の日"), ("1999-07-20", "海の日"), ("1999-09-15", "敬老の日"),
        ("1999-10-10", "体育の日"), ("1999-10-11", "振替休日"),
        ("2000-01-10", "成人の日"), ("2000-01-15", nil), ("2000-10-09", "体育の日"), ("2000-10-10", nil),
        ("2000-07-20", "海の日"),
        ("2003-07-21", "海の日"), ("2003-07-20", nil), ("2003-09-15", "敬老の日"),
        ("2006-04-29", "みどりの日"), ("2006-05-04", "国民の休日"), ("2006-12-23", "天皇誕生日"),
        ("2007-04-29", "昭和の日"), ("2007-04-30", "振替休日"), ("2007-05-04", "みどりの日"),
        // From 2007 a Sunday holiday carries past following holidays.
        ("2008-05-06", "振替休日"),
        ("2009-05-06", "振替休日"), ("2009-09-21", "敬老の日"), ("2009-09-22", "国民の休日"), ("2009-09-23", "秋分の日"),
        ("2012-09-22", "秋分の日"),
        ("2015-09-21", "敬老の日"), ("2015-09-22", "国民の休日"), ("2015-09-23", "秋分の日"),
        ("2015-08-11", nil), ("2016-08-11", "山の日"),
        ("2018-12-23", "天皇誕生日"), ("2019-12-23", nil), ("2019-02-23", nil), ("2020-02-23", "天皇誕生日"),
        ("2020-10-12", nil), ("2021-10-11", nil), ("2021-08-11", nil),
    ] as [(String, String?)])
    func historicalRules(day: String, expectedName: String?) {
        #expect(JapaneseHolidays.holiday(on: date(day))?.name == expectedName)
    }

    @Test func historicalYearsInFull() {
        #expect(holidayLines(in: 1947).isEmpty)
        #expect(holidayLines(in: 1948) == ["1948-09-23 秋分の日", "1948-11-03 文化の日", "1948-11-23 勤労感謝の日"])
        #expect(holidayLines(in: 1989) == [
            "1989-01-01 元日", "1989-01-02 振替休日", "1989-01-15 成人の日", "1989-01-16 振替休日",
            "1989-02-11 建国記念の日", "1989-02-24 昭和天皇の大喪の礼", "1989-03-21 春分の日",
            "1989-04-29 みどりの日", "1989-05-03 憲法記念日", "1989-05-04 国民の休日", "1989-05-05 こどもの日",
            "1989-09-15 敬老の日", "1989-09-23 秋分の日", "1989-10-10 体育の日", "1989-11-03 文化の日",
            "1989-11-23 勤労感謝の日", "1989-12-23 天皇誕生日",
        ])
        #expect(holidayLines(in: 2009) == [
            "2009-01-01 元日", "2009-01-12 成人の日", "2009-02-11 建国記念の日", "2009-03-20 春分の日",
            "2009-04-29 昭和の日", "2009-05-03 憲法記念日", "2009-05-04 みどりの日", "2009-05-05 こどもの日",
            "2009-05-06 振替休日", "2009-07-20 海の日", "2009-09-21 敬老の日", "2009-09-22 国民の休日",
            "2009-09-23 秋分の日", "2009-10-12 体育の日", "2009-11-03 文化の日", "2009-11-23 勤労感謝の日",
            "2009-12-23 天皇誕生日",
        ])
    }

    @Test func lookupAgreesWithYearListsAndListsAreSorted() {
        for year in [1947, 1948, 1973, 1990, 2019, 2099, 2150, 2151, 2200] {
            let holidays = JapaneseHolidays.holidays(in: year)
            #expect(holidays.map(\.date) == holidays.map(\.date).sorted())
            #expect(holidays.allSatisfy { $0.date.year == year })
            let first = CivilDate(year: year, month: 1, day: 1)!
            let days = CivilDate.isLeapYear(year) ? 366 : 365
            let lookedUp = (0..<days).compactMap { JapaneseHolidays.holiday(on: first.adding(days: $0)) }
            #expect(lookedUp == holidays)
        }
    }

    @Test func lookupsAreFast() {
        let start = date("2000-01-01")
        let clock = ContinuousClock()
        var found = 0
        let elapsed = clock.measure {
            for offset in 0..<1_000_000 where JapaneseHolidays.holiday(on: start.adding(days: offset % 36_500)) != nil {
                found += 1
            }
        }
        #expect(found > 0)
        // Generous so debug builds pass; release runs take a few tens of milliseconds.
        #expect(elapsed < .seconds(5))
    }
}

// MARK: - Business days

@Suite struct BusinessCalendarTests {
    let offices = BusinessCalendar.japanesePublicOffices

    @Test func goldenWeek() {
        // 2025: 4/29 (Tue) 昭和の日, 5/3–5/6 Sat–Tue off.
        #expect(offices.isBusinessDay(date("2025-04-28")))
        #expect(!offices.isBusinessDay(date("2025-04-29")))
        #expect(offices.isBusinessDay(date("2025-05-02")))
        #expect(!offices.isBusinessDay(date("2025-05-06")))
        #expect(offices.adding(businessDays: 1, to: date("2025-05-02")) == date("2025-05-07"))
        #expect(offices.adding(businessDays: 3, to: date("2025-04-28")) == date("2025-05-02"))
        #expect(offices.adding(businessDays: 5, to: date("2025-04-25")) == date("2025-05-07"))
        // 2019's ten days off, 4/27–5/6.
        #expect(offices.adding(businessDays: 1, to: date("2019-04-26")) == date("2019-05-07"))
        #expect(offices.businessDays(from: date("2019-04-26"), to: date("2019-05-06")) == 0)
    }

    @Test func newYear() {
        #expect(!offices.isBusinessDay(date("2024-12-30")))
        #expect(!offices.isBusinessDay(date("2025-01-02")))
        #expect(!offices.isBusinessDay(date("2025-01-03")))
        #expect(offices.adding(businessDays: 1, to: date("2024-12-27")) == date("2025-01-06"))
        #expect(offices.adding(businessDays: 1, to: date("2025-12-26")) == date("2026-01-05"))
        #expect(offices.adding(businessDays: -1, to: date("2025-01-06")) == date("2024-12-27"))
        #expect(offices.businessDays(from: date("2024-12-27"), to: date("2025-01-06")) == 1)
    }

    @Test func zeroBusinessDaysMeansThisOrNextBusinessDay() {
        #expect(offices.adding(businessDays: 0, to: date("2025-05-07")) == date("2025-05-07"))
        #expect(offices.adding(businessDays: 0, to: date("2025-05-03")) == date("2025-05-07"))
        #expect(offices.adding(businessDays: 0, to: date("2024-12-28")) == date("2025-01-06"))
    }

    @Test func countingEdgeCases() {
        let friday = date("2025-04-25")
        #expect(offices.businessDays(from: friday, to: friday) == 0)
        #expect(offices.businessDays(from: date("2025-05-09"), to: friday) == 0)
        #expect(offices.businessDays(from: friday, to: date("2025-04-28")) == 1)
        // Start is excluded, end included: Sat → Mon counts only Monday.
        #expect(offices.businessDays(from: date("2025-04-26"), to: date("2025-04-28")) == 1)
        #expect(offices.businessDays(from: date("2025-04-27"), to: date("2025-04-29")) == 1)
        #expect(offices.businessDays(from: friday, to: date("2025-05-09")) == 7)
        #expect(offices.businessDays(from: date("2024-12-31"), to: date("2025-12-31")) == 241)
    }

    @Test func addingAndCountingAreInverse() {
        var day = date("2018-12-20")
        while day < date("2027-01-10") {
            for n in [1, 2, 5, 20] {
                let later = offices.adding(businessDays: n, to: day)
                #expect(offices.businessDays(from: day, to: later) == n)
                #expect(offices.isBusinessDay(later))
                #expect(offices.adding(businessDays: -n, to: later) <= day)
            }
            day = day.adding(days: 3)
        }
    }

    @Test func daysOffWithReasons() {
        let daysOff = offices.daysOff(in: 2025)
        #expect(daysOff.count == 104 + 15 + 5)
        #expect(daysOff.map(\.date) == daysOff.map(\.date).sorted())
        let reasons = Dictionary(uniqueKeysWithValues: daysOff.map { ($0.date.description, $0.reason) })
        #expect(reasons["2025-01-01"] == "元日")
        #expect(reasons["2025-01-02"] == "年末年始")
        #expect(reasons["2025-01-04"] == "土曜日")
        #expect(reasons["2025-01-05"] == "日曜日")
        #expect(reasons["2025-05-03"] == "憲法記念日")
        #expect(reasons["2025-12-29"] == "年末年始")
        #expect(reasons["2025-01-06"] == nil)
        #expect(offices.closureReason(on: date("2024-12-29")) == "年末年始") // a Sunday
    }

    @Test func holidaysAndClosuresSkipPlainWeekends() {
        let listed = offices.holidaysAndClosures(in: 2025)
        #expect(listed.count == JapaneseHolidays.holidays(in: 2025).count + 5)
        #expect(!listed.contains { $0.reason == "土曜日" || $0.reason == "日曜日" })
        #expect(listed.first?.date == date("2025-01-01") && listed.first?.reason == "元日")
        #expect(listed.contains { $0.date == date("2025-05-04") && $0.reason == "みどりの日" }) // a Sunday
        #expect(listed.last?.date == date("2025-12-31") && listed.last?.reason == "年末年始")
    }

    @Test func customCalendarWithoutNewYearClosing() {
        let calendar = BusinessCalendar(closesForNewYear: false)
        #expect(calendar.isBusinessDay(date("2025-01-02")))
        #expect(!calendar.isBusinessDay(date("2025-01-01")))
    }
}

// MARK: - Report periods

@Suite struct ReportPeriodTests {
    @Test func fiscalYear() throws {
        let r4 = try ReportPeriod.parse("R4")
        #expect(r4.first == date("2022-04-01") && r4.last == date("2023-03-31") && r4.label == "令和4年度")
        #expect(r4.description == "令和4年度 (2022-04-01..2023-03-31)")
        #expect(try ReportPeriod.parse(" r4 ") == r4)
        #expect(try ReportPeriod.parse("令和4年度") == r4)
        let r1 = try ReportPeriod.parse("R1")
        #expect(r1.first == date("2019-04-01") && r1.last == date("2020-03-31") && r1.label == "令和元年度")
        #expect(try ReportPeriod.parse("令和元年度") == r1)
        #expect(try ReportPeriod.parse("R6").last == date("2025-03-31"))
    }

    @Test func fiscalYearContainingADate() {
        #expect(ReportPeriod.fiscalYear(containing: date("2023-03-31")).label == "令和4年度")
        let r5 = ReportPeriod.fiscalYear(containing: date("2023-04-01"))
        #expect(r5.label == "令和5年度" && r5.first == date("2023-04-01") && r5.last == date("2024-03-31"))
        #expect(ReportPeriod.fiscalYear(containing: date("2019-03-31")).label == "平成30年度")
        #expect(ReportPeriod.fiscalYear(containing: date("2019-05-01")).label == "令和元年度")
        #expect(r5.contains(date("2024-02-29")) && !r5.contains(date("2024-04-01")))
    }

    @Test(arguments: ["R5.4-R5.7", "R5.4～R5.7", "R5.4~R5.7", "R5.4〜R5.7", " R5.4 - R5.7 "])
    func monthRange(text: String) throws {
        let period = try ReportPeriod.parse(text)
        #expect(period.first == date("2023-04-01"))
        #expect(period.last == date("2023-07-31"))
        #expect(period.label == "R5.4～R5.7")
    }

    @Test func monthRangesAcrossCalendarYears() throws {
        let winter = try ReportPeriod.parse("R5.10-R6.2")
        #expect(winter.first == date("2023-10-01") && winter.last == date("2024-02-29"))
        #expect(try ReportPeriod.parse("R5.4～R5.7") == ReportPeriod.parse(ReportPeriod.parse("R5.4-R5.7").label))
    }

    @Test func singleMonth() throws {
        let april = try ReportPeriod.parse("R5.4")
        #expect(april.first == date("2023-04-01") && april.last == date("2023-04-30") && april.label == "R5.4")
        let january = try ReportPeriod.parse("R6.1")
        #expect(january.first == date("2024-01-01") && january.last == date("2024-01-31"))
    }

    @Test func dateRange() throws {
        let period = try ReportPeriod.parse("2023-04-01..2023-07-31")
        #expect(period.first == date("2023-04-01") && period.last == date("2023-07-31"))
        #expect(period.label == "2023-04-01..2023-07-31")
        #expect(period.description == "2023-04-01..2023-07-31")
        let oneDay = try ReportPeriod.parse("2024-02-29..2024-02-29")
        #expect(oneDay.first == oneDay.last)
    }

    @Test func exampleErrorMessage() {
        #expect(throws: ReportPeriodError(input: "R5.13", problem: "is not a period")) {
            try ReportPeriod.parse("R5.13")
        }
        do {
            _ = try ReportPeriod.parse("R5.13")
        } catch {
            #expect("\(error)" == "'R5.13' is not a period: use R4 (a fiscal year), R5.4-R5.7 (months) or 2023-04-01..2023-07-31 (dates)")
        }
    }

    @Test(arguments: [
        "R5.13", "R5.0", "R0", "R0.4", "R5.4-R0.4", "R-1", "令和0年度", "R5.7-R5.4", "R6.1-R5.12",
        "2023-07-31..2023-04-01", "2023-02-30..2023-03-01", "2023-04-01..", "", "H30", "R", "R5.", "R5.4-",
        "R5.4-R5.7-R5.8", "R4-R5", "2023-04-01", "R1234", "R５.4", "FY2023",
    ])
    func rejects(text: String) {
        #expect(throws: ReportPeriodError.self) { try ReportPeriod.parse(text) }
    }

    @Test func errorsSayWhatIsWrong() throws {
        let reversed = try #require(throws: ReportPeriodError.self) { try ReportPeriod.parse("R5.7-R5.4") }
        #expect(reversed.description.hasPrefix("'R5.7-R5.4' ends before it starts: use R4"))
        let eraZero = try #require(throws: ReportPeriodError.self) { try ReportPeriod.parse("R0") }
        #expect(eraZero.description.contains("令和 years start at R1"))
        let reversedDates = try #require(throws: ReportPeriodError.self) {
            try ReportPeriod.parse("2023-07-31..2023-04-01")
        }
        #expect(reversedDates.problem == "ends before it starts")
    }
}

@Suite("Business days counted by arithmetic")
struct BusinessDayCountTests {
    @Test("agrees with counting day by day, over spans up to three years")
    func agreesWithDayByDay() {
        let calendar = BusinessCalendar.japanesePublicOffices
        var generator = SystemRandomNumberGenerator()
        let base = CivilDate(year: 2018, month: 12, day: 20)!
        for _ in 0..<400 {
            let start = base.adding(days: Int.random(in: 0...2_000, using: &generator))
            let end = start.adding(days: Int.random(in: -5...1_100, using: &generator))
            var expected = 0
            var day = start
            while day < end {
                day = day.adding(days: 1)
                if calendar.isBusinessDay(day) { expected += 1 }
            }
            #expect(calendar.businessDays(from: start, to: end) == expected, "\(start) → \(end)")
        }
    }
}

@Suite("Due days of today's arrivals")
struct ArrivalDueDaysTests {
    /// An instant given as Japan's wall clock (UTC+9, no summer time).
    static func japan(_ date: String, _ hour: Int, _ minute: Int, _ second: Double = 0) -> Date {
        let day = CivilDate(date)!
        let utcMidnight = Calendar(identifier: .gregorian).date(from: DateComponents(
            timeZone: TimeZone(identifier: "UTC"), year: day.year, month: day.month, day: day.day))!
        return utcMidnight.addingTimeInterval(Double(hour * 3600 + minute * 60 - 9 * 3600) + second)
    }

    @Test("the due day follows Japan's midnight, weekends and holidays, and a clock set back")
    func followsTheDay() {
        var dueDays = ArrivalDueDays()
        // Thursday 2026-11-19, the last moment before midnight in Japan: 1 business day on is
        // Friday the 20th, 3 are Wednesday the 25th (Monday the 23rd is 勤労感謝の日).
        #expect(dueDays.dueDay(afterBusinessDays: 1, at: Self.japan("2026-11-19", 23, 59, 59.9)) == CivilDate("2026-11-20"))
        #expect(dueDays.dueDay(afterBusinessDays: 3, at: Self.japan("2026-11-19", 23, 59, 59.9)) == CivilDate("2026-11-25"))
        // Friday in Japan though still Thursday in UTC: counted from Friday.
        #expect(dueDays.dueDay(afterBusinessDays: 1, at: Self.japan("2026-11-20", 0, 0)) == CivilDate("2026-11-24"))
        #expect(dueDays.dueDay(afterBusinessDays: 3, at: Self.japan("2026-11-20", 0, 0)) == CivilDate("2026-11-26"))
        // The clock set back to Thursday.
        #expect(dueDays.dueDay(afterBusinessDays: 3, at: Self.japan("2026-11-19", 10, 0)) == CivilDate("2026-11-25"))
        // Across the New Year closing, 29 December – 3 January.
        #expect(dueDays.dueDay(afterBusinessDays: 2, at: Self.japan("2026-12-28", 18, 0)) == CivilDate("2027-01-05"))
    }

    @Test("the day in Japan by arithmetic is the time zone database's, from 1948 to 2100")
    func japanByArithmetic() {
        // Every 7 hours 13 minutes over 152 years, through Japan's summer times of 1948 – 1951,
        // plus the last moments either side of a midnight in Japan.
        var seconds = Double(-694_224_000)
        while seconds < 4_102_444_800 {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(CivilDate.japan(at: date) == CivilDate(date, in: .japan), "\(date)")
            seconds += 7 * 3600 + 13 * 60
        }
        #expect(CivilDate.japan(at: Self.japan("2026-11-19", 23, 59, 59.999)) == CivilDate("2026-11-19"))
        #expect(CivilDate.japan(at: Self.japan("2026-11-20", 0, 0)) == CivilDate("2026-11-20"))
    }

    @Test("it gives what the business calendar gives for the day, over a year of instants")
    func agreesWithTheCalendar() {
        var dueDays = ArrivalDueDays()
        let calendar = BusinessCalendar.japanesePublicOffices
        var instant = Self.japan("2026-04-01", 0, 0)
        for step in 0..<(365 * 5) {
            let window = [1, 3, 5, 10][step % 4]
            #expect(dueDays.dueDay(afterBusinessDays: window, at: instant)
                    == calendar.adding(businessDays: window, to: CivilDate(instant, in: .japan)), "\(instant)")
            instant += 86_400 / 5 + 7
        }
    }
}
