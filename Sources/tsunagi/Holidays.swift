import ArgumentParser
import TsunagiTools

/// `tsunagi holidays YEAR`: the days off the business-day calendar uses, for an operator to check.
struct Holidays: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the national holidays and New Year closing days (年末年始) the calendar uses in a year.",
        discussion: "The last line counts only the days that fall on a weekday. Exit status: 0 listed, 64 a year before 1949.")

    @Argument(help: "The year, e.g. 2025.")
    var year: Int

    @Flag(help: "JSON for scripts.")
    var json = false

    func validate() throws {
        guard (1949...9999).contains(year) else { throw ValidationError("give a year from 1949 (the holiday law's first) to 9999") }
    }

    func run() {
        print(json ? HolidayList.json(year: year) : HolidayList.render(year: year), terminator: "")
    }
}
