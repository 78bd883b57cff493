import Foundation

/// A date on the (proleptic) Gregorian calendar with no time of day and no time zone, e.g. 2024-05-03.
///
/// Day arithmetic goes through an integer day number (days since 1970-01-01) using the
/// days-from-civil algorithm rather than `Calendar`: holiday and business-day loops call it
/// constantly and `Calendar` is orders of magnitude slower.
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A validated date; `nil` unless `year` is 1...9999 and `month`/`day` name a real day (leap years included).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilDate.numberOfDays(inMonth: month, year: year)
        else { return nil }
        self.init(uncheckedYear: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, no surrounding spaces).
    public init?(_ iso: String) {
        // Read in place: the router parses dates of every referral it admits.
        var iso = iso
        let parts = iso.withUTF8 { bytes -> (year: Int, month: Int, day: Int)? in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for offset in range {
                    let byte = bytes[offset]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return (year, month, day)
        }
        guard let parts else { return nil }
        self.init(year: parts.year, month: parts.month, day: parts.day)
    }

    /// The civil date at `date`'s instant in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone = .japan) {
        let localSeconds = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        self.init(dayNumber: Int((localSeconds / 86_400).rounded(.down)))
    }

    /// The civil date in Japan at `date`. Japan has kept UTC+9 without summer time since 1952, so
    /// this is arithmetic, not a question to the time zone database (which took about a
    /// microsecond, twice for every referral the router took in); earlier instants still ask it.
    public static func japan(at date: Date) -> CivilDate {
        let seconds = date.timeIntervalSince1970
        guard seconds >= japanWithoutSummerTimeSince else { return CivilDate(date, in: .japan) }
        return CivilDate(dayNumber: Int(((seconds + 9 * 3600) / 86_400).rounded(.down)))
    }

    /// 1952-01-01T00:00:00+09:00, after Japan's last summer time (1951).
    private static let japanWithoutSummerTimeSince: TimeInterval = -568_112_400

    /// Today's date as seen in `timeZone` (Japan by default, whatever the server's zone).
    public static func today(in timeZone: TimeZone = .japan) -> CivilDate {
        CivilDate(Date(), in: timeZone)
    }

    init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    // MARK: Day numbers (Howard Hinnant's days_from_civil / civil_from_days)

    /// Days since 1970-01-01; negative before it.
    var dayNumber: Int {
        // Counting years from March puts the leap day last, so month lengths follow a fixed pattern.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    init(dayNumber: Int) {
        let shifted = dayNumber + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.init(uncheckedYear: year, month: month, day: day)
    }

    // MARK: Arithmetic

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> CivilDate {
        CivilDate(dayNumber: dayNumber + days)
    }

    /// Whole days from `other` to `self`: positive when `self` is later.
    public func days(since other: CivilDate) -> Int {
        dayNumber - other.dayNumber
    }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday; Weekday's raw values are 1 (Sunday) ... 7 (Saturday).
        let fromSunday = ((dayNumber + 4) % 7 + 7) % 7
        return Weekday(rawValue: fromSunday + 1)!
    }

    /// The first instant of this date in `timeZone`.
    public func startOfDay(in timeZone: TimeZone = .japan) -> Date {
        let localMidnight = Double(dayNumber) * 86_400
        let noon = instant(atLocalSeconds: localMidnight + 43_200, in: timeZone)
        let offset = timeZone.secondsFromGMT(for: noon)
        // No offset change since the previous noon (always so for Japan): midnight is unambiguous.
        if timeZone.secondsFromGMT(for: noon.addingTimeInterval(-86_400)) == offset {
            return Date(timeIntervalSince1970: localMidnight - Double(offset))
        }
        // A DST switch near midnight can skip or repeat it; Calendar knows the zone's rules.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.startOfDay(for: noon)
    }

    private func instant(atLocalSeconds local: Double, in timeZone: TimeZone) -> Date {
        let guess = Date(timeIntervalSince1970: local)
        return Date(timeIntervalSince1970: local - Double(timeZone.secondsFromGMT(for: guess)))
    }

    // MARK: Calendar facts

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// 28...31 for `month` 1...12 of `year`; 0 for an invalid month.
    public static func numberOfDays(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    // MARK: Comparable, text, Codable

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        // Ten ASCII bytes written in place (a string that short needs no allocation): the store
        // writes two or three dates for every referral.
        if (0...9999).contains(year) {
            return String(unsafeUninitializedCapacity: 10) { buffer in
                func put(_ value: Int, at offset: Int, width: Int) {
                    var rest = value
                    for position in (offset..<(offset + width)).reversed() {
                        buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                }
                put(year, at: 0, width: 4)
                buffer[4] = UInt8(ascii: "-")
                put(month, at: 5, width: 2)
                buffer[7] = UInt8(ascii: "-")
                put(day, at: 8, width: 2)
                return 10
            }
        }
        func padded(_ value: Int, to width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let yearText = year < 0 ? "-" + padded(-year, to: 4) : padded(year, to: 4)
        return "\(yearText)-\(padded(month, to: 2))-\(padded(day, to: 2))"
    }

    /// Encoded as the `YYYY-MM-DD` string so JSON stays readable and sortable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a date in the form YYYY-MM-DD")
        }
        self = date
    }
}

/// Day of the week; raw values match `Calendar`'s `weekday` component (1 = Sunday).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Codable {
    case sunday = 1, monday, tuesday, wednesday, thursday, friday, saturday

    /// 日曜日 ... 土曜日.
    public var japaneseName: String {
        switch self {
        case .sunday: "日曜日"
        case .monday: "月曜日"
        case .tuesday: "火曜日"
        case .wednesday: "水曜日"
        case .thursday: "木曜日"
        case .friday: "金曜日"
        case .saturday: "土曜日"
        }
    }
}

extension TimeZone {
    /// Japan Standard Time (Asia/Tokyo). Falls back to a fixed +09:00 zone when the tz database
    /// is missing (slim containers); Japan has not observed DST since 1951, so the two agree.
    public static let japan: TimeZone = TimeZone(identifier: "Asia/Tokyo") ?? TimeZone(secondsFromGMT: 9 * 3600)!
}
