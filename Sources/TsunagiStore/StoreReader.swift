import Foundation
import GRDB
import TsunagiCore

/// One event of a referral's history (routing facts only).
public struct HistoryEvent: Sendable, Hashable, Codable {
    public let sequence: Int64
    public let state: HandoffState
    public let actor: AgencyID
    public let at: String
    public let detail: String?
    /// The staff member who gave the answer, when the worker named one.
    public let staff: String?
}

/// A referral's routing facts and where it stands, as coordinators see it. No personal part.
public struct ReferralSummary: Sendable, Hashable, Codable {
    public let sequence: Int64
    public let routing: Routing
    public let state: HandoffState
    public let submittedAt: String
    public let stateAt: String
    public let dueDay: CivilDate
    public let detail: String?
}

/// An open referral as the pending view lists it (routing facts only).
public struct OpenReferral: Sendable, Hashable {
    public let sequence: Int64
    public let id: ReferralID
    public let from: AgencyID
    public let to: AgencyID
    public let needs: [Need]
    public let state: HandoffState
    public let createdDay: CivilDate
    public let dueDay: CivilDate
}

/// Read-only access to a router store for the CLI (another process than the router).
public struct StoreReader: Sendable {
    let database: any DatabaseReader

    /// Opens the store read-only; works while the router runs and while it is stopped.
    public init(path: String) throws {
        database = try StoreFiles.openReadOnly(path)
    }

    public init(store: RouterStore) {
        database = store.pool
    }

    public func summary(of id: ReferralID) throws -> ReferralSummary? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM referral WHERE id = ?", arguments: [id.rawValue]).map(ReferralSummary.init(row:))
        }
    }

    public func history(of id: ReferralID) throws -> [HistoryEvent] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.seq, e.state, e.actor, e.at, e.detail, e.staff FROM event e JOIN referral r ON r.seq = e.referral_seq
                WHERE r.id = ? ORDER BY e.seq
                """, arguments: [id.rawValue]
            ).map { row in
                HistoryEvent(sequence: row[0], state: HandoffState(rawValue: row[1])!, actor: AgencyID(rawValue: row[2])!,
                             at: row[3], detail: row[4], staff: row[5])
            }
        }
    }

    /// The open referrals (submitted or delivered) with the facts the pending view shows, in
    /// arrival order, read from their covering partial index alone: milliseconds, however many
    /// closed referrals the store holds. With `includingUndeliverable`, also those the destination
    /// could not open (waiting for the sender to seal them again), from their own partial index.
    public func openReferrals(agency: AgencyID? = nil, includingUndeliverable: Bool = false) throws -> [OpenReferral] {
        try database.read { db in
            // INDEXED BY: without it the planner may scan the whole table (a million closed rows).
            // Each WHERE repeats its partial index's predicate term for term so that SQLite can use it.
            var indexes = [("referral_open", "state IN ('submitted', 'delivered')")]
            if includingUndeliverable { indexes.append(("referral_undeliverable", "state = 'undeliverable'")) }
            var referrals: [OpenReferral] = []
            for (index, predicate) in indexes {
                var sql = """
                    SELECT seq, id, from_agency, to_agency, needs, state, created_day, due_day
                    FROM referral INDEXED BY \(index) WHERE \(predicate)
                    """
                var arguments: StatementArguments = []
                if let agency {
                    sql += " AND (to_agency = ? OR from_agency = ?)"
                    arguments = [agency.rawValue, agency.rawValue]
                }
                referrals += try Row.fetchAll(db, sql: sql + " ORDER BY seq", arguments: arguments).compactMap(OpenReferral.init(row:))
            }
            return indexes.count == 1 ? referrals : referrals.sorted { $0.sequence < $1.sequence }
        }
    }

    /// How many referrals the store holds in each state.
    public func countsByState() throws -> [HandoffState: Int] {
        try database.read { db in
            var counts: [HandoffState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM referral GROUP BY state") {
                if let state = HandoffState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// The number of events in the audit trail.
    public func eventCount() throws -> Int {
        try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM event") ?? 0 }
    }

    public func verify() throws -> [String] {
        try database.read { try StoreVerifier.problems(in: $0) }
    }

    public func backup(to destination: String) throws {
        try StoreFiles.backup(from: database, to: destination)
    }
}

extension OpenReferral {
    /// A row of (seq, id, from, to, needs, state, created day, due day).
    init?(row: Row) {
        guard let id = ReferralID(rawValue: row[1]), let from = AgencyID(rawValue: row[2]),
              let to = AgencyID(rawValue: row[3]), let state = HandoffState(rawValue: row[5]),
              let created = CivilDate(row[6] as String), let due = CivilDate(row[7] as String) else { return nil }
        let needs = (row[4] as String).split(separator: ",").compactMap { Need(rawValue: String($0)) }
        self.init(sequence: row[0], id: id, from: from, to: to, needs: needs, state: state, createdDay: created, dueDay: due)
    }
}

extension ReferralSummary {
    init(row: Row) throws {
        let routing = try Routing.stored(in: row)
        self.init(
            sequence: row["seq"], routing: routing, state: HandoffState(rawValue: row["state"]) ?? .submitted,
            submittedAt: row["submitted_at"], stateAt: row["state_at"],
            dueDay: CivilDate(row["due_day"] as String) ?? CivilDate(year: 2000, month: 1, day: 1)!, detail: row["detail"])
    }
}
