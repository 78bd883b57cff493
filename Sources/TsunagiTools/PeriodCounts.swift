import Foundation
import TsunagiCore
import TsunagiStore

/// The period report's counts in a form that adds up: a period's counts are the sum of its days'.
/// `PeriodReport.build(period:counts:registry:)` turns them into the report; the console keeps
/// them per day (`PeriodReportCache`).
public struct PeriodCounts: Sendable, Equatable {
    /// What reached a destination's worker (delivered, accepted, declined or completed) and its answers.
    public struct Received: Sendable, Equatable {
        public var referrals = 0
        /// Accepted, whether or not since completed.
        public var accepted = 0
        public var declined = 0
        /// Completed, by the outcome the destination recorded ("不明" when blank).
        public var outcomes: [String: Int] = [:]
    }

    /// By sender: every referral it sent, in one of the four columns.
    public var out: [AgencyID: PeriodReport.Tally] = [:]
    public var received: [AgencyID: Received] = [:]
    /// By the person's municipality (trimmed; empty when unknown).
    public var municipalities: [String: PeriodReport.Tally] = [:]
    public var ageBands: [AgeBand: PeriodReport.Tally] = [:]

    public init() {}

    /// The counting rules of docs/REPORTS.md applied to the store's groups.
    public init(_ groups: [PeriodGroup]) {
        for group in groups {
            out[group.from, default: PeriodReport.Tally(name: "")].add(group.state, group.count)
            municipalities[group.municipality.trimmingCharacters(in: .whitespaces), default: PeriodReport.Tally(name: "")]
                .add(group.state, group.count)
            ageBands[group.ageBand, default: PeriodReport.Tally(name: "")].add(group.state, group.count)
            // The destination's side: what reached its worker and what it answered. Submitted and
            // withdrawn ones may never have; an undeliverable one did not open there.
            guard group.state != .submitted, group.state != .withdrawn, group.state != .undeliverable else { continue }
            var destination = received[group.to, default: Received()]
            destination.referrals += group.count
            switch group.state {
            case .accepted: destination.accepted += group.count
            case .completed:
                destination.accepted += group.count
                let outcome = group.outcome?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                destination.outcomes[outcome.isEmpty ? PeriodReport.unknown : outcome, default: 0] += group.count
            case .declined: destination.declined += group.count
            default: break
            }
            received[group.to] = destination
        }
    }

    /// Adds another period's (or day's) counts to these.
    public mutating func add(_ other: PeriodCounts) {
        for (agency, tally) in other.out { out[agency, default: PeriodReport.Tally(name: "")].merge(tally) }
        for (agency, counts) in other.received {
            var sum = received[agency, default: Received()]
            sum.referrals += counts.referrals
            sum.accepted += counts.accepted
            sum.declined += counts.declined
            sum.outcomes.merge(counts.outcomes, uniquingKeysWith: +)
            received[agency] = sum
        }
        for (name, tally) in other.municipalities { municipalities[name, default: PeriodReport.Tally(name: "")].merge(tally) }
        for (band, tally) in other.ageBands { ageBands[band, default: PeriodReport.Tally(name: "")].merge(tally) }
    }
}
