import Foundation
import GRDB
import TsunagiCore

/// What the sending agency's ledger keeps about sealing: the envelope each sent referral travels
/// in. The ledger's `sent_referral` row keeps the plaintext as staff wrote it; the envelope is
/// sealed once and kept, because sealing again gives other bytes and every retry and RESEND must
/// send the same ones (the router compares them).
enum LedgerSealing {
    static func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sealed_personal (
                referral_id TEXT PRIMARY KEY,
                envelope BLOB NOT NULL,
                sealed_at TEXT NOT NULL
            ) STRICT;
            """)
    }
}

extension AgencyLedger {
    /// The envelope kept for a sent referral, if it was sealed.
    public func sealedPersonal(of id: ReferralID) throws -> [UInt8]? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT envelope FROM sealed_personal WHERE referral_id = ?", arguments: [id.rawValue])
                .map { Array($0) }
        }
    }

    /// Keeps an envelope for a sent referral unless one is kept already; returns the one kept, so
    /// that two callers racing send the same bytes. Committed (fsync) before it returns.
    public func keepSealedPersonal(_ envelope: [UInt8], of id: ReferralID, at now: Date = Date()) throws -> [UInt8] {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO sealed_personal(referral_id, envelope, sealed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           arguments: [id.rawValue, Data(envelope), Timestamps.iso(now)])
            return Array(try Data.fetchOne(db, sql: "SELECT envelope FROM sealed_personal WHERE referral_id = ?", arguments: [id.rawValue])!)
        }
    }

    /// The destination could not open the kept envelope: replaces it with a new one and puts the
    /// referral back to submitted in this ledger, with an event, in one transaction.
    public func replaceSealedPersonal(_ envelope: [UInt8], of id: ReferralID, sender: AgencyID, at now: Date = Date()) throws {
        let timestamp = Timestamps.iso(now)
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO sealed_personal(referral_id, envelope, sealed_at) VALUES (?, ?, ?)
                ON CONFLICT(referral_id) DO UPDATE SET envelope = excluded.envelope, sealed_at = excluded.sealed_at
                """, arguments: [id.rawValue, Data(envelope), timestamp])
            try db.execute(sql: "UPDATE sent_referral SET state = 'submitted', state_at = ?, acknowledged = 0 WHERE id = ? AND state = 'undeliverable'",
                           arguments: [timestamp, id.rawValue])
            try Self.appendEvent(db, id: id, direction: .sent, state: .submitted, actor: sender, at: timestamp, detail: "sealed again")
        }
    }

    /// Sent referrals the destination could not open, oldest first.
    public func undeliverableSent() throws -> [Referral] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT routing, personal FROM sent_referral WHERE state = 'undeliverable' ORDER BY recorded_at, id")
                .map(Self.referral(from:))
        }
    }

    /// Whether a delivered referral is already held (a repeat of a delivery confirmed before).
    public func holdsReceived(_ id: ReferralID) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM received_referral WHERE id = ?", arguments: [id.rawValue]) ?? false
        }
    }
}
