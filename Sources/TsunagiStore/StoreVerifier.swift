import GRDB
import TsunagiCore

/// The store's own invariants, beyond SQLite's integrity check.
enum StoreVerifier {
    static func problems(in db: Database) throws -> [String] {
        var problems: [String] = []
        let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        if integrity != ["ok"] { problems += integrity.map { "integrity: \($0)" } }
        let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
        if !foreignKeys.isEmpty { problems.append("foreign keys: \(foreignKeys.count) rows point nowhere") }
        // The projected state must be the state of the referral's last event.
        let drifted = try String.fetchAll(db, sql: """
            SELECT r.id FROM referral r
            JOIN event e ON e.seq = (SELECT MAX(seq) FROM event WHERE referral_seq = r.seq)
            WHERE e.state <> r.state LIMIT 20
            """)
        problems += drifted.map { "referral \($0): its state differs from its last event" }
        let withoutHistory = try String.fetchAll(db, sql: """
            SELECT id FROM referral r WHERE NOT EXISTS (SELECT 1 FROM event WHERE referral_seq = r.seq) LIMIT 20
            """)
        problems += withoutHistory.map { "referral \($0): no events" }
        let firstNotSubmitted = try String.fetchAll(db, sql: """
            SELECT r.id FROM referral r
            JOIN event e ON e.seq = (SELECT MIN(seq) FROM event WHERE referral_seq = r.seq)
            WHERE e.state <> 'submitted' LIMIT 20
            """)
        problems += firstNotSubmitted.map { "referral \($0): history does not start with submitted" }
        let unknownStates = try String.fetchAll(db, sql: """
            SELECT DISTINCT state FROM event
            WHERE state NOT IN ('submitted', 'delivered', 'accepted', 'declined', 'completed', 'withdrawn', 'undeliverable')
            """)
        problems += unknownStates.map { "unknown state '\($0)' in the audit trail" }
        // Values the readers refuse rather than guess (StoredValue): each such row is named.
        let states = HandoffState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let ageBands = AgeBand.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let day = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
        let unreadable = try String.fetchAll(db, sql: """
            SELECT coalesce(id, 'in row ' || seq) FROM referral
            WHERE state NOT IN (\(states)) OR age_band NOT IN (\(ageBands))
               OR created_day NOT GLOB \(day) OR due_day NOT GLOB \(day) LIMIT 20
            """)
        problems += unreadable.map { "referral \($0): a state, age band or day the router never writes" }
        return problems
    }
}
