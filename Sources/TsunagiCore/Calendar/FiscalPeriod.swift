import Foundation

/// A span of whole days to report on, usually a Japanese fiscal year (年度, 1 April – 31 March)
/// or a run of months written in 令和 notation.
public struct ReportPeriod: Sendable, Hashable, CustomStringConvertible {
    public let first: CivilDate
    /// Inclusive.
    public let last: CivilDate
    /// How a person would name it: "令和4年度", "R5.4～R5.7", "R5.4" or "2023-04-01..2023-07-31".
    public let label: String

    init(first: CivilDate, last: CivilDate, label: String) {
        self.first = first
        self.last = last
        self.label = label
    }

    public func contains(_ date: CivilDate) -> Bool {
        first <= date && date <= last
    }

    /// "令和4年度 (2022-04-01..2023-03-31)"; just the label when it already is the dates.
    public var description: String {
        let dates = "\(first)..\(last)"
        return label == dates ? label : "\(label) (\(dates))"
    }

    // MARK: Fiscal years

    /// The fiscal year (1 April – 31 March) that `date` falls in.
    public static func fiscalYear(containing date: CivilDate) -> ReportPeriod {
        fiscalYear(startingIn: date.month >= 4 ? date.year : date.year - 1)
    }

    /// The fiscal year from 1 April of `year`; 令和N年度 starts in 2018 + N.
    static func fiscalYear(startingIn year: Int) -> ReportPeriod {
        ReportPeriod(first: CivilDate(uncheckedYear: year, month: 4, day: 1),
                     last: CivilDate(uncheckedYear: year + 1, month: 3, day: 31),
                     label: fiscalYearLabel(startingIn: year))
    }

    /// "令和元年度", "令和4年度", "平成30年度"…; eras switch at the fiscal year that began in them.
    private static func fiscalYearLabel(startingIn year: Int) -> String {
        let (era, eraYear) = switch year {
        case 2019...: ("令和", year - 2018)
        case 1989...: ("平成", year - 1988)
        case 1926...: ("昭和", year - 1925)
        default: ("", year)
        }
        if era.isEmpty { return "\(year)年度" }
        return "\(era)\(eraYear == 1 ? "元" : String(eraYear))年度"
    }

    // MARK: Parsing

    /// Accepts, ignoring surrounding spaces:
    /// - `R4` (or `令和4年度`): the fiscal year 2022-04-01…2023-03-31;
    /// - `R5.4-R5.7`, `R5.4~R5.7`, `R5.4～R5.7`: calendar months (R5.4 = April 2023,
    ///   R6.1 = January 2024) from the first day of the first to the last day of the last;
    /// - `R5.4`: one month;
    /// - `2023-04-01..2023-07-31`: dates, both inclusive.
    public static func parse(_ text: String) throws -> ReportPeriod {
        let input = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let notAPeriod = ReportPeriodError(input: input, problem: "is not a period")

        if let dots = input.range(of: "..") {
            guard let first = CivilDate(String(input[..<dots.lowerBound]).trimmingCharacters(in: .whitespaces)),
                  let last = CivilDate(String(input[dots.upperBound...]).trimmingCharacters(in: .whitespaces))
            else { throw notAPeriod }
            guard first <= last else { throw ReportPeriodError(input: input, problem: "ends before it starts") }
            return ReportPeriod(first: first, last: last, label: input)
        }

        if let eraYear = reiwaFiscalYear(input) {
            guard eraYear >= 1 else { throw ReportPeriodError(input: input, problem: reiwaStartsAtOne) }
            return fiscalYear(startingIn: 2018 + eraYear)
        }

        let parts = input.split(omittingEmptySubsequences: false, whereSeparator: rangeSeparators.contains)
        guard (1...2).contains(parts.count) else { throw notAPeriod }
        var months: [ReiwaMonth] = []
        for part in parts {
            guard let month = ReiwaMonth(part.trimmingCharacters(in: .whitespaces)) else { throw notAPeriod }
            guard month.eraYear >= 1 else { throw ReportPeriodError(input: input, problem: reiwaStartsAtOne) }
            months.append(month)
        }
        let (start, end) = (months[0], months[months.count - 1])
        guard let first = CivilDate(year: start.year, month: start.month, day: 1),
              let last = CivilDate(year: end.year, month: end.month,
                                   day: CivilDate.numberOfDays(inMonth: end.month, year: end.year))
        else { throw notAPeriod }
        guard first <= last else { throw ReportPeriodError(input: input, problem: "ends before it starts") }
        let label = months.count == 1 ? "\(start)" : "\(start)～\(end)"
        return ReportPeriod(first: first, last: last, label: label)
    }

    /// Hyphen, ASCII tilde, fullwidth tilde and wave dash: Japanese IMEs produce either of the last two.
    private static let rangeSeparators: Set<Character> = ["-", "~", "～", "〜"]

    private static let reiwaStartsAtOne = "is not a period (令和 years start at R1, 2019)"

    /// `R4`, `r4` or `令和4年度` / `令和元年度` → 4 / 1.
    private static func reiwaFiscalYear(_ text: String) -> Int? {
        if text.hasPrefix("令和"), text.hasSuffix("年度") {
            let number = text.dropFirst(2).dropLast(2)
            return number == "元" ? 1 : asciiNumber(number)
        }
        guard let prefix = text.first, prefix == "R" || prefix == "r" else { return nil }
        return asciiNumber(text.dropFirst())
    }

    /// A month written `R5.4`: era year 5 of 令和, April.
    private struct ReiwaMonth: CustomStringConvertible {
        let eraYear: Int
        let month: Int
        var year: Int { 2018 + eraYear }

        init?(_ text: String) {
            guard let prefix = text.first, prefix == "R" || prefix == "r" else { return nil }
            let numbers = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
            guard numbers.count == 2,
                  let eraYear = ReportPeriod.asciiNumber(numbers[0]), let month = ReportPeriod.asciiNumber(numbers[1]),
                  (1...12).contains(month)
            else { return nil }
            self.eraYear = eraYear
            self.month = month
        }

        var description: String { "R\(eraYear).\(month)" }
    }

    /// 1–3 ASCII digits; longer numbers are typos rather than years or months.
    private static func asciiNumber(_ text: Substring) -> Int? {
        guard (1...3).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isWholeNumber }) else { return nil }
        return Int(text)
    }
}

/// A report period that could not be read; `description` says what to type instead.
public struct ReportPeriodError: Error, Hashable, CustomStringConvertible {
    /// The text as given, trimmed.
    public let input: String
    /// What is wrong, phrased to follow the quoted input, e.g. "ends before it starts".
    public let problem: String

    public init(input: String, problem: String) {
        self.input = input
        self.problem = problem
    }

    public var description: String {
        "'\(input)' \(problem): use R4 (a fiscal year), R5.4-R5.7 (months) or 2023-04-01..2023-07-31 (dates)"
    }
}
