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
                let place = "event \(row["seq"] as DatabaseValue) of referral \(id)"
                return HistoryEvent(sequence: try StoredValue.integer(row, "seq", in: place),
                                    state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
                                    actor: try StoredValue.parse(row, "actor", in: place, AgencyID.init(rawValue:)),
                                    at: try StoredValue.text(row, "at", in: place),
                                    detail: try StoredValue.optional(row, "detail", in: place),
                                    staff: try StoredValue.optional(row, "staff", in: place))
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
                referrals += try Row.fetchAll(db, sql: sql + " ORDER BY seq", arguments: arguments).map(OpenReferral.init(row:))
            }
            return indexes.count == 1 ? referrals : referrals.sorted { $0.sequence < $1.sequence }
        }
    }

    /// How many referrals the store holds in each state.
    public func countsByState() throws -> [HandoffState: Int] {
        try database.read { db in
            var counts: [HandoffState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS count FROM referral GROUP BY state") {
                let place = "\(row["count"] as DatabaseValue) referrals"
                let state = try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:))
                counts[state] = Int(try StoredValue.integer(row, "count", in: place))
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
    /// A row of (seq, id, from_agency, to_agency, needs, state, created_day, due_day).
    init(row: Row) throws(StoreError) {
        let place = StoredValue.referralPlace(row)
        let needs = try StoredValue.parse(row, "needs", in: place) { text -> [Need]? in
            let parsed = text.split(separator: ",").map { Need(rawValue: String($0)) }
            return parsed.contains(nil) ? nil : parsed.compactMap { $0 }
        }
        self.init(sequence: try StoredValue.integer(row, "seq", in: place),
                  id: try StoredValue.parse(row, "id", in: place, ReferralID.init(rawValue:)),
                  from: try StoredValue.parse(row, "from_agency", in: place, AgencyID.init(rawValue:)),
                  to: try StoredValue.parse(row, "to_agency", in: place, AgencyID.init(rawValue:)),
                  needs: needs,
                  state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
                  createdDay: try StoredValue.parse(row, "created_day", in: place) { CivilDate($0) },
                  dueDay: try StoredValue.parse(row, "due_day", in: place) { CivilDate($0) })
    }
}

extension ReferralSummary {
    init(row: Row) throws {
        let routing = try Routing.stored(in: row)
        let place = "referral \(routing.id)"
        self.init(
            sequence: try StoredValue.integer(row, "seq", in: place), routing: routing,
            state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
            submittedAt: try StoredValue.text(row, "submitted_at", in: place), stateAt: try StoredValue.text(row, "state_at", in: place),
            dueDay: try StoredValue.parse(row, "due_day", in: place) { CivilDate($0) }, detail: try StoredValue.optional(row, "detail", in: place))
    }
}
