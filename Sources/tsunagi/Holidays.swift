import ArgumentParser
import TsunagiTools

/// `tsunagi holidays YEAR`: the days off the business-day calendar uses, for an operator to check.
struct Holidays: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the national holidays and New Year closing days (年末年始) the calendar uses in a year.")

    @Argument(help: "The year, e.g. 2025.")
    var year: Int

    func validate() throws {
        guard (1949...9999).contains(year) else { throw ValidationError("the holiday law applies from 1949: give a year from 1949") }
    }

    func run() {
        print(HolidayList.render(year: year), terminator: "")
    }
}
