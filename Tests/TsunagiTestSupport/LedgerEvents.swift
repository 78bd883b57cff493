import Foundation
import GRDB
import TsunagiCore

/// Reads an agency ledger's own audit trail (`local_event`), which — unlike its referral tables,
/// keyed by referral id — would show a delivery or an update recorded twice.
public enum LedgerEvents {
    /// How many times the ledger at `path` recorded `referral` entering `state` in `direction`.
    public static func count(in path: String, referral: ReferralID, direction: LedgerEntry.Direction, state: HandoffState) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM local_event WHERE referral_id = ? AND direction = ? AND state = ?",
                             arguments: [referral.rawValue, direction.rawValue, state.rawValue]) ?? 0
        }
    }
}
