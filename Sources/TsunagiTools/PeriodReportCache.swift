import Foundation
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// The period report for a long-running reader (the console): each day's counts are kept with the
/// store's mark they were read at, and a report sums its days'. Before each report the store says,
/// in the same snapshot, which creation days have had a change since that mark; only those days
/// (and days never read) are read again. So a report is always exactly the store at one moment —
/// the same numbers `tsunagi report` prints — but a month that did not change costs its 30 sums,
/// not its 80,000 rows.
public final class PeriodReportCache: Sendable {
    /// A period longer than this is counted directly and not kept.
    public static let longestCachedPeriod = 800
    /// Days kept at most (a little over three fiscal years); beyond it, days outside the asked period go.
    public static let capacity = 1_200

    private struct State {
        var mark: StoreMark?
        var days: [CivilDate: PeriodCounts] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The report for `period`, from kept days where the store has not changed them.
    public func report(period: ReportPeriod, reader: StoreReader, registry: AgencyDirectory?) throws -> PeriodReport {
        PeriodReport.build(period: period, counts: try counts(period: period, reader: reader), registry: registry)
    }

    /// The counts of `period`: the sum of its days'.
    public func counts(period: ReportPeriod, reader: StoreReader) throws -> PeriodCounts {
        guard period.last.days(since: period.first) < Self.longestCachedPeriod else {
            return PeriodCounts(try reader.periodGroups(from: period.first, through: period.last))
        }
        // One report at a time: a second one asked meanwhile then finds the days already read.
        return try state.withLock { state in
            let read = try reader.periodGroupsByDay(from: period.first, through: period.last,
                                                    cached: Set(state.days.keys), since: state.mark)
            if let changed = read.changedDays {
                for day in changed { state.days[day] = nil }
            } else {
                state.days = [:]
            }
            state.mark = read.mark
            if state.days.count + read.groups.count > Self.capacity {
                state.days = state.days.filter { period.contains($0.key) }
            }
            for (day, groups) in read.groups { state.days[day] = PeriodCounts(groups) }
            var sum = PeriodCounts()
            var day = period.first
            while day <= period.last {
                if let counts = state.days[day] { sum.add(counts) }
                day = day.adding(days: 1)
            }
            return sum
        }
    }

    /// How many days are kept (for tests and the bench).
    public var keptDays: Int { state.withLock { $0.days.count } }
}
