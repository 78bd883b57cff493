import GRDB

/// The agency ledger's schema, versioned by GRDB's migrator. Never edit a shipped migration:
/// add a new one.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sent, received, local events, answer queue, report requests") { db in
            try db.execute(sql: """
                CREATE TABLE sent_referral (
                    id TEXT PRIMARY KEY,
                    to_agency TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    created_day TEXT NOT NULL,
                    routing BLOB NOT NULL,
                    personal BLOB NOT NULL,
                    source_file TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    state TEXT NOT NULL,
                    state_at TEXT NOT NULL,
                    detail TEXT,
                    acknowledged INTEGER NOT NULL DEFAULT 0,
                    refusal TEXT
                ) STRICT;
                CREATE INDEX sent_unacknowledged ON sent_referral(recorded_at) WHERE acknowledged = 0;
                CREATE INDEX sent_day ON sent_referral(created_day);

                CREATE TABLE received_referral (
                    id TEXT PRIMARY KEY,
                    from_agency TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    created_day TEXT NOT NULL,
                    routing BLOB NOT NULL,
                    personal BLOB NOT NULL,
                    received_at TEXT NOT NULL,
                    state TEXT NOT NULL,
                    state_at TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                CREATE INDEX received_day ON received_referral(created_day);

                CREATE TABLE local_event (
                    seq INTEGER PRIMARY KEY,
                    referral_id TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    state TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    at TEXT NOT NULL,
                    detail TEXT,
                    router_sequence INTEGER UNIQUE
                ) STRICT;
                CREATE INDEX local_event_referral ON local_event(referral_id);
                CREATE TRIGGER local_event_is_append_only_update BEFORE UPDATE ON local_event
                    BEGIN SELECT RAISE(ABORT, 'the local event log is append-only'); END;
                CREATE TRIGGER local_event_is_append_only_delete BEFORE DELETE ON local_event
                    BEGIN SELECT RAISE(ABORT, 'the local event log is append-only'); END;

                CREATE TABLE answer (
                    seq INTEGER PRIMARY KEY,
                    referral_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT,
                    queued_at TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'queued',
                    answered_at TEXT,
                    error TEXT,
                    UNIQUE (referral_id, action)
                ) STRICT;
                CREATE INDEX answer_queued ON answer(seq) WHERE status = 'queued';

                CREATE TABLE report_request (
                    day TEXT PRIMARY KEY,
                    requested_at TEXT NOT NULL,
                    sent INTEGER NOT NULL DEFAULT 0
                ) STRICT;
                """)
        }
        migrator.registerMigration("v2: the staff member who gave an answer") { db in
            try db.execute(sql: """
                ALTER TABLE answer ADD COLUMN staff TEXT;
                ALTER TABLE local_event ADD COLUMN staff TEXT;
                """)
        }
        return migrator
    }
}
