import Foundation
import GRDB
import TsunagiCore

/// A referral as the router saw it on the day it was created: enough for reconciling ledgers.
public struct DayReferral: Sendable, Hashable {
    public let id: ReferralID
    public let from: AgencyID
    public let to: AgencyID
    public let state: HandoffState
    public let submittedAt: String
}

/// One agency's counts for a period, as the prefecture's tables use them.
public struct AgencyPeriodCounts: Sendable, Hashable, Codable {
    public let agency: AgencyID
    /// Referrals sent that reached their destination (delivered, accepted, declined or completed; not
    /// withdrawn): each is one destination.
    public var referralsOut: Int = 0
    /// Referrals addressed to the agency that reached it.
    public var referralsIn: Int = 0
    /// Accepted, whether or not since completed.
    public var accepted: Int = 0
    public var declined: Int = 0
    /// Completed referrals by the outcome the destination recorded.
    public var completedByOutcome: [String: Int] = [:]

    public init(agency: AgencyID) { self.agency = agency }
}

extension StoreReader {
    /// Every referral created on `day` (Japan time), oldest first. Uses the created_day index.
    public func referrals(createdOn day: CivilDate) throws -> [DayReferral] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, from_agency, to_agency, state, submitted_at FROM referral WHERE created_day = ? ORDER BY seq
                """, arguments: [day.description]
            ).compactMap { row in
                guard let id = ReferralID(rawValue: row[0]), let from = AgencyID(rawValue: row[1]),
                      let to = AgencyID(rawValue: row[2]), let state = HandoffState(rawValue: row[3]) else { return nil }
                return DayReferral(id: id, from: from, to: to, state: state, submittedAt: row[4])
            }
        }
    }

    /// The ledger reports the agencies sent for `day`, by agency. An unreadable report counts as missing.
    public func ledgerReports(for day: CivilDate) throws -> [AgencyID: LedgerReport] {
        try database.read { db in
            var reports: [AgencyID: LedgerReport] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT agency, report FROM ledger_report WHERE day = ?",
                                        arguments: [day.description]) {
                guard let agency = AgencyID(rawValue: row[0]),
                      let report = try? JSONDecoder().decode(LedgerReport.self, from: row[1] as Data) else { continue }
                reports[agency] = report
            }
            return reports
        }
    }

    /// Whether the router holds referral `id` at all (any day).
    public func contains(_ id: ReferralID) throws -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM referral WHERE id = ?)", arguments: [id.rawValue]) ?? false
        }
    }

    /// The period's counts per agency, aggregated in SQL over created_day so a fiscal year of a
    /// million referrals takes seconds, not minutes.
    public func periodCounts(from first: CivilDate, through last: CivilDate) throws -> [AgencyID: AgencyPeriodCounts] {
        try database.read { db in
            var counts: [AgencyID: AgencyPeriodCounts] = [:]
            func update(_ agency: String, _ change: (inout AgencyPeriodCounts) -> Void) {
                guard let id = AgencyID(rawValue: agency) else { return }
                change(&counts[id, default: AgencyPeriodCounts(agency: id)])
            }
            // One pass over the covering created_day index. A referral reached its destination once
            // the destination's worker held it: delivered, accepted, declined or completed. A withdrawn
            // hand-off did not connect the person, so it is not a destination reached.
            for row in try Row.fetchAll(db, sql: """
                SELECT from_agency, to_agency, state, CASE WHEN state = 'completed' THEN detail END AS outcome, COUNT(*)
                FROM referral
                WHERE created_day BETWEEN ? AND ? AND state IN ('delivered', 'accepted', 'declined', 'completed')
                GROUP BY from_agency, to_agency, state, outcome
                """, arguments: [first.description, last.description]) {
                let state = HandoffState(rawValue: row[2])
                let number: Int = row[4]
                update(row[0]) { $0.referralsOut += number }
                update(row[1]) { counts in
                    counts.referralsIn += number
                    switch state {
                    case .accepted: counts.accepted += number
                    case .completed:
                        counts.accepted += number
                        let outcome = (row[3] as String?)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                        counts.completedByOutcome[outcome.isEmpty ? "不明" : outcome, default: 0] += number
                    case .declined: counts.declined += number
                    default: break
                    }
                }
            }
            return counts
        }
    }
}

extension RouterStore {
    /// Asks the router to send the sender the referral's latest status update again (its ledger is
    /// behind the router's). The router picks the notification up like any other.
    @discardableResult
    public func requestStatusResend(of id: ReferralID, to agency: AgencyID) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO notification(event_seq, agency)
                SELECT MAX(e.seq), ? FROM event e JOIN referral r ON r.seq = e.referral_seq WHERE r.id = ?
                HAVING MAX(e.seq) IS NOT NULL
                """, arguments: [agency.rawValue, id.rawValue])
            return db.changesCount > 0
        }
    }

    /// Pending repair requests, for tests and for the reconcile report.
    public func redeliveryRequests() throws -> [ReferralID] {
        try pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.id FROM redelivery d JOIN referral r ON r.seq = d.referral_seq ORDER BY r.seq
                """).compactMap(ReferralID.init(rawValue:))
        }
    }

    public func resendRequests() throws -> [(referral: ReferralID, agency: AgencyID)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT referral_id, agency FROM resend_request ORDER BY referral_id").compactMap { row in
                guard let id = ReferralID(rawValue: row[0]), let agency = AgencyID(rawValue: row[1]) else { return nil }
                return (id, agency)
            }
        }
    }
}
