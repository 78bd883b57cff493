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

/// Referrals created in a period that share sender, destination, state, outcome, municipality and
/// age band: the report counts from these (TsunagiTools' PeriodReport holds the counting rules).
public struct PeriodGroup: Sendable, Hashable {
    public let from: AgencyID
    public let to: AgencyID
    public let state: HandoffState
    /// The outcome the destination recorded, for completed referrals only.
    public let outcome: String?
    public let municipality: String
    public let ageBand: AgeBand
    public let count: Int

    public init(from: AgencyID, to: AgencyID, state: HandoffState, outcome: String?, municipality: String,
                ageBand: AgeBand, count: Int) {
        self.from = from
        self.to = to
        self.state = state
        self.outcome = outcome
        self.municipality = municipality
        self.ageBand = ageBand
        self.count = count
    }
}

extension StoreReader {
    /// Every referral created on `day` (Japan time), oldest first. Uses the created_day index.
    public func referrals(createdOn day: CivilDate) throws -> [DayReferral] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT seq, id, from_agency, to_agency, state, submitted_at FROM referral WHERE created_day = ? ORDER BY seq
                """, arguments: [day.description]
            ).map { row in
                let place = StoredValue.referralPlace(row)
                return DayReferral(id: try StoredValue.parse(row, "id", in: place, ReferralID.init(rawValue:)),
                                   from: try StoredValue.parse(row, "from_agency", in: place, AgencyID.init(rawValue:)),
                                   to: try StoredValue.parse(row, "to_agency", in: place, AgencyID.init(rawValue:)),
                                   state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
                                   submittedAt: try StoredValue.text(row, "submitted_at", in: place))
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

    /// Every referral created in the period (Japan time), grouped, in SQL over the covering
    /// referral_day index so a fiscal year of a million referrals takes seconds, not minutes.
    public func periodGroups(from first: CivilDate, through last: CivilDate) throws -> [PeriodGroup] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT from_agency, to_agency, state, CASE WHEN state = 'completed' THEN detail END AS outcome,
                       municipality, age_band, COUNT(*) AS count
                FROM referral
                WHERE created_day BETWEEN ? AND ?
                GROUP BY from_agency, to_agency, state, outcome, municipality, age_band
                """, arguments: [first.description, last.description]
            ).map { try PeriodGroup(row: $0, createdIn: "\(first) … \(last)") }
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
                """).map { text throws(StoreError) in try StoredValue.referralID(text, "a redelivery request") }
        }
    }

    public func resendRequests() throws -> [(referral: ReferralID, agency: AgencyID)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT referral_id, agency FROM resend_request ORDER BY referral_id").map { row in
                let place = "the resend request for \(row["referral_id"] as DatabaseValue)"
                return (referral: try StoredValue.parse(row, "referral_id", in: place, ReferralID.init(rawValue:)),
                        agency: try StoredValue.parse(row, "agency", in: place, AgencyID.init(rawValue:)))
            }
        }
    }
}

/// Where the store stood when something was read from it: the newest event of the audit trail
/// (every change to a referral appends one in the same transaction) and the schema's version (a
/// migration rewrites columns without events). A cache of what was read is good while the mark is.
public struct StoreMark: Sendable, Hashable {
    public let lastEvent: Int64
    public let schemaVersion: Int
}

/// Per-day period groups read for a cache of per-day counts, with what changed since the cache's mark.
public struct PeriodDayRead: Sendable {
    public let mark: StoreMark
    /// The creation days of referrals changed since the mark asked about; nil when everything
    /// must be read again (no mark, a migration, a store that went back, or too many changes to list).
    public let changedDays: Set<CivilDate>?
    /// The groups of each day read (the days of the period not cached, or changed); a day without
    /// referrals has an empty list.
    public let groups: [CivilDate: [PeriodGroup]]
}

extension StoreReader {
    /// More changes than this since a cache's mark: it is dropped rather than patched.
    public static let changedDayLimit: Int64 = 100_000

    /// The creation days of the referrals with an event after a given one.
    static let changedDaysSQL = "SELECT DISTINCT created_day FROM referral WHERE seq IN (SELECT referral_seq FROM event WHERE seq > ?)"

    /// In one read transaction (one snapshot): the store's mark, the creation days of the referrals
    /// changed since `since`, and the period groups of every day from `first` through `last` that
    /// is not in `cached` or has changed. What the caller caches is then exactly the store at `mark`.
    public func periodGroupsByDay(from first: CivilDate, through last: CivilDate, cached: Set<CivilDate>,
                                  since: StoreMark?) throws -> PeriodDayRead {
        try database.read { db in
            let mark = StoreMark(lastEvent: try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0,
                                 schemaVersion: try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0)
            var changed: Set<CivilDate>?
            if let since, since.schemaVersion == mark.schemaVersion, since.lastEvent <= mark.lastEvent,
               mark.lastEvent - since.lastEvent <= Self.changedDayLimit {
                // The events after the mark along the event table's key, then each one's referral by
                // its key: milliseconds. (As a JOIN the planner scans a million referrals instead.)
                changed = Set(try Row.fetchAll(db, sql: Self.changedDaysSQL, arguments: [since.lastEvent]).map { row in
                    try StoredValue.parse(row, "created_day", in: "a referral changed since event \(since.lastEvent)") { CivilDate($0) }
                })
            }
            let statement = try db.cachedStatement(sql: """
                SELECT from_agency, to_agency, state, CASE WHEN state = 'completed' THEN detail END AS outcome,
                       municipality, age_band, COUNT(*) AS count
                FROM referral
                WHERE created_day = ?
                GROUP BY from_agency, to_agency, state, outcome, municipality, age_band
                """)
            var groups: [CivilDate: [PeriodGroup]] = [:]
            var day = first
            while day <= last {
                if !cached.contains(day) || changed?.contains(day) ?? true {
                    groups[day] = try Row.fetchAll(statement, arguments: [day.description]).map { try PeriodGroup(row: $0, createdIn: "\(day)") }
                }
                day = day.adding(days: 1)
            }
            return PeriodDayRead(mark: mark, changedDays: changed, groups: groups)
        }
    }
}

extension PeriodGroup {
    /// A row of (from_agency, to_agency, state, outcome, municipality, age_band, count), of the
    /// referrals created in `period`.
    init(row: Row, createdIn period: String) throws(StoreError) {
        let place = "the referrals created in \(period) from \(row["from_agency"] as DatabaseValue) to \(row["to_agency"] as DatabaseValue)"
        self.init(from: try StoredValue.parse(row, "from_agency", in: place, AgencyID.init(rawValue:)),
                  to: try StoredValue.parse(row, "to_agency", in: place, AgencyID.init(rawValue:)),
                  state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
                  outcome: try StoredValue.optional(row, "outcome", in: place),
                  municipality: try StoredValue.text(row, "municipality", in: place),
                  ageBand: try StoredValue.parse(row, "age_band", in: place, AgeBand.init(rawValue:)),
                  count: Int(try StoredValue.integer(row, "count", in: place)))
    }
}
