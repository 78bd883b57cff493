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
        migrator.registerMigration("v2: refusal codes, erased personal parts") { db in
            try db.execute(sql: """
                ALTER TABLE answer ADD COLUMN error_code INTEGER;
                ALTER TABLE sent_referral ADD COLUMN refusal_code INTEGER;
                ALTER TABLE received_referral ADD COLUMN personal_erased_at TEXT;
                """)
        }
        migrator.registerMigration("v3: the sealed personal part of each sent referral") { db in
            try LedgerSealing.createTables(db)
        }
        migrator.registerMigration("v4: the staff member who gave an answer") { db in
            try db.execute(sql: """
                ALTER TABLE answer ADD COLUMN staff TEXT;
                ALTER TABLE local_event ADD COLUMN staff TEXT;
                """)
        }
        migrator.registerMigration("v5: each waiting referral's due day, so the inbox reads in order from an index") { db in
            // due_day is filled by the desk (AgencyLedger.fillDueDays): the rule for a referral
            // without the sender's due date is the agency's business days, which the registry sets.
            // received_waiting_by_due holds the inbox's order, received_accepted the accepted list;
            // both carry the state so that the pages and their counts read the index alone.
            try db.execute(sql: """
                ALTER TABLE received_referral ADD COLUMN due_day TEXT;
                CREATE INDEX received_waiting_by_due ON received_referral(due_day, received_at, id, state)
                    WHERE state IN ('submitted', 'delivered');
                CREATE INDEX received_accepted ON received_referral(received_at, id, state) WHERE state = 'accepted';
                CREATE TABLE ledger_setting (
                    name TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) STRICT;
                """)
        }
        return migrator
    }
}
