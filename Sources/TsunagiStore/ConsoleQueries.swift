import Foundation
import GRDB
import TsunagiCore

/// What waits at the router for one destination agency: its open referrals and the status updates
/// it has not yet confirmed.
public struct DestinationBacklog: Sendable, Hashable, Codable {
    public let agency: AgencyID
    /// Held by the router, not yet in the destination worker's hands.
    public var submitted: Int = 0
    /// In the destination worker's hands, not yet answered.
    public var delivered: Int = 0
    /// The day the oldest of them was created.
    public var oldestCreatedDay: CivilDate?
    /// Status updates about the agency's referrals that its worker has not yet confirmed, counted up
    /// to `DestinationBacklog.statusUpdateCountLimit` (a worker that never connects gathers millions).
    public var statusUpdates: Int = 0

    public static let statusUpdateCountLimit = 1000

    public init(agency: AgencyID) { self.agency = agency }

    enum CodingKeys: String, CodingKey {
        case agency, submitted, delivered
        case oldestCreatedDay = "oldest_created_day"
        case statusUpdates = "status_updates"
    }
}

/// The console's read-only queries. They name their columns and never select the personal part, so
/// it never leaves the store.
extension StoreReader {
    /// One referral's routing facts and where it stands, without the personal column.
    public func routingFacts(of id: ReferralID) throws -> ReferralSummary? {
        try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT seq, id, routing, state, submitted_at, state_at, due_day, detail FROM referral WHERE id = ?
                """, arguments: [id.rawValue]).map(ReferralSummary.init(row:))
        }
    }

    /// Per destination: its open referrals (from their partial index alone) and, for each of
    /// `agencies`, its unconfirmed status updates. Agencies with nothing waiting are absent.
    public func destinationBacklogs(agencies: [AgencyID]) throws -> [AgencyID: DestinationBacklog] {
        try database.read { db in
            var backlogs: [AgencyID: DestinationBacklog] = [:]
            // The WHERE repeats the partial index's predicate term for term so that SQLite uses it.
            for row in try Row.fetchAll(db, sql: """
                SELECT to_agency, state, COUNT(*), MIN(created_day)
                FROM referral INDEXED BY referral_open WHERE state IN ('submitted', 'delivered')
                GROUP BY to_agency, state
                """) {
                guard let agency = AgencyID(rawValue: row[0]) else { continue }
                let count: Int = row[2]
                let oldest = CivilDate(row[3] as String)
                var backlog = backlogs[agency] ?? DestinationBacklog(agency: agency)
                if row[1] as String == "submitted" { backlog.submitted = count } else { backlog.delivered = count }
                if let oldest, backlog.oldestCreatedDay.map({ oldest < $0 }) ?? true { backlog.oldestCreatedDay = oldest }
                backlogs[agency] = backlog
            }
            // Counted per agency along its index, stopping at the limit: milliseconds however many wait.
            let count = try db.cachedStatement(sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM notification WHERE agency = ? LIMIT \(DestinationBacklog.statusUpdateCountLimit))
                """)
            for agency in agencies {
                let updates = try Int.fetchOne(count, arguments: [agency.rawValue]) ?? 0
                if updates > 0 { backlogs[agency, default: DestinationBacklog(agency: agency)].statusUpdates = updates }
            }
            return backlogs
        }
    }
}
