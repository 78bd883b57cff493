import GRDB

/// The router store's schema, versioned by GRDB's migrator. Never edit a shipped migration:
/// add a new one.
enum RouterSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: referrals, append-only events, notifications, ledger reports") { db in
            try db.execute(sql: """
                CREATE TABLE referral (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    from_agency TEXT NOT NULL,
                    to_agency TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    created_day TEXT NOT NULL,
                    submitted_at TEXT NOT NULL,
                    due_day TEXT NOT NULL,
                    needs TEXT NOT NULL,
                    routing BLOB NOT NULL,
                    personal BLOB NOT NULL,
                    state TEXT NOT NULL,
                    state_at TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                -- Few indexes, each earning its keep on the submit path: the open referrals by
                -- destination, carrying what the pending view shows (it holds only the few thousand
                -- open rows, so the view reads it alone), and the day with the parties, state and
                -- outcome, so reports and reconcile read a year from the index alone.
                CREATE INDEX referral_open ON referral(to_agency, seq, id, from_agency, needs, state, created_day, due_day)
                    WHERE state IN ('submitted', 'delivered');
                CREATE INDEX referral_day ON referral(created_day, from_agency, to_agency, state, detail);

                CREATE TABLE event (
                    seq INTEGER PRIMARY KEY,
                    referral_seq INTEGER NOT NULL REFERENCES referral(seq),
                    state TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    at TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                CREATE INDEX event_referral ON event(referral_seq);
                CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
                    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
                    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

                CREATE TABLE notification (
                    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
                    agency TEXT NOT NULL
                ) STRICT;
                CREATE INDEX notification_agency ON notification(agency, event_seq);

                CREATE TABLE redelivery (
                    referral_seq INTEGER PRIMARY KEY REFERENCES referral(seq),
                    requested_at TEXT NOT NULL
                ) STRICT;

                CREATE TABLE resend_request (
                    referral_id TEXT PRIMARY KEY,
                    agency TEXT NOT NULL,
                    requested_at TEXT NOT NULL
                ) STRICT;

                CREATE TABLE ledger_report (
                    agency TEXT NOT NULL,
                    day TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    report BLOB NOT NULL,
                    PRIMARY KEY (agency, day)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v2: municipality and age band beside the day, for the period report") { db in
            // The report counts by the person's municipality and age band as well as by agency; with
            // both in the day index it still reads a fiscal year from the index alone (see
            // docs/REPORTS.md). Rows stored before this migration get theirs from the routing JSON.
            try db.execute(sql: """
                ALTER TABLE referral ADD COLUMN municipality TEXT NOT NULL DEFAULT '';
                ALTER TABLE referral ADD COLUMN age_band TEXT NOT NULL DEFAULT 'unknown';
                UPDATE referral SET
                    municipality = coalesce(json_extract(CAST(routing AS TEXT), '$.municipality'), ''),
                    age_band = coalesce(json_extract(CAST(routing AS TEXT), '$.age_band'), 'unknown');
                DROP INDEX referral_day;
                CREATE INDEX referral_day ON referral(created_day, from_agency, to_agency, state, detail, municipality, age_band);
                """)
        }
        migrator.registerMigration("v3: undeliverable referrals indexed for the pending view") { db in
            // A referral its destination could not open waits for its sender to seal it again;
            // coordinators list it with the unacknowledged ones. Few rows are ever in this state,
            // so the index costs the submit path nothing and the pending view reads it alone.
            try db.execute(sql: """
                CREATE INDEX referral_undeliverable ON referral(to_agency, seq, id, from_agency, needs, state, created_day, due_day)
                    WHERE state = 'undeliverable';
                """)
        }
        migrator.registerMigration("v4: the day index appends: seq right after the day") { db in
            // Keyed (day, from, to, …), a batch of new referrals landed in one leaf page per pair
            // of agencies, and each dirty page is a 4 KiB WAL frame: about half the pages a busy
            // commit wrote. With seq second, today's entries append at the index's end; every
            // column the report and reconcile read is still in it, and a day's list comes in seq
            // order from the index itself.
            try db.execute(sql: """
                DROP INDEX referral_day;
                CREATE INDEX referral_day ON referral(created_day, seq, from_agency, to_agency, state, detail, municipality, age_band);
                """)
        }
        migrator.registerMigration("v5: the staff member who gave an answer, beside its event") { db in
            // Events recorded before keep no name (NULL), as do those a worker sent without one.
            try db.execute(sql: "ALTER TABLE event ADD COLUMN staff TEXT")
        }
        migrator.registerMigration("v6: the open referrals in arrival order, the undelivered ones by destination") { db in
            // Keyed (to_agency, seq), the covering open-referrals index took a new entry at one
            // place per destination in every commit; an insertion there, away from the index's
            // end, splits and rebalances ~150-byte entries among their neighbours, each dirty
            // page a 4 KiB WAL frame: half of the 89 frames a commit of 64 referrals for 13
            // destinations wrote (scripts/wal-frames). Keyed by seq, the open referrals append at the end, and the
            // views that read them all (the pending view, the console's backlogs) read them in
            // arrival order as before. The router's delivery, which asks for one destination's
            // undelivered referrals, gets a narrow index of its own: 73 frames instead of 89.
            try db.execute(sql: """
                DROP INDEX referral_open;
                CREATE INDEX referral_open ON referral(seq, to_agency, id, from_agency, needs, state, created_day, due_day)
                    WHERE state IN ('submitted', 'delivered');
                CREATE INDEX referral_undelivered ON referral(to_agency, seq) WHERE state = 'submitted';
                """)
        }
        migrator.registerMigration("v7: delivery reads the open referrals in arrival order; no index of its own") { db in
            // The narrow index of v6 took each new referral at one place per destination, and
            // while a destination was away its part grew in the middle of the index: 25 of the 73
            // WAL frames a commit of 64 referrals wrote (scripts/wal-frames), a third of the
            // writer's pages, and ~4 µs of router CPU per submit (tsunagi bench). Only the router
            // makes a referral undelivered (a new one, or one sealed again), so it knows where each
            // destination's undelivered ones begin; from there it reads them out of the open
            // referrals, which append in arrival order and carry the destination and the state.
            try db.execute(sql: "DROP INDEX referral_undelivered")
        }
        return migrator
    }
}
