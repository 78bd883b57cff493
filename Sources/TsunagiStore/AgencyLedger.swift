import Foundation
import GRDB
import TsunagiCore

/// A referral as an agency's ledger holds it, sent or received.
public struct LedgerReferral: Sendable, Hashable {
    public let referral: Referral
    public let direction: LedgerEntry.Direction
    public let state: HandoffState
    public let stateAt: String
    /// The reason or outcome of the latest change, when there is one.
    public let detail: String?
    /// Sent referrals: the router has answered the submit (accepted or refused).
    public let acknowledged: Bool
    /// Sent referrals: the router's sentence when it refused the referral for good.
    public let refusal: String?
    /// Sent referrals: the outbox file it came from.
    public let sourceFile: String?
    /// The agency's own answer waiting for the router, if any.
    public let queuedAnswer: Transition?
    /// Sent referrals: the router's error code when it refused the referral.
    public var refusalCode: Int? = nil
    /// The agency's own answers the router refused, latest first.
    public var refusedAnswers: [LedgerAnswer] = []
    /// When the referral reached this ledger (received) or was recorded for sending (sent).
    public var arrivedAt: String = ""
    /// Received referrals: the sender withdrew it and the personal part was erased here.
    public var personalErasedAt: String? = nil

    /// The other agency of the hand-off.
    public var counterpart: AgencyID { direction == .sent ? referral.routing.to : referral.routing.from }
}

/// One of the agency's own answers and what became of it.
public struct LedgerAnswer: Sendable, Hashable {
    public enum Status: String, Sendable { case queued, done, refused }
    public let referral: ReferralID
    public let transition: Transition
    public let detail: String?
    public let status: Status
    public let queuedAt: String
    public let answeredAt: String?
    /// The router's sentence and code when it refused the answer.
    public let error: String?
    public let errorCode: Int?
}

/// One change of a referral as the ledger keeps it (append-only).
public struct LedgerEvent: Sendable, Hashable {
    public let state: HandoffState
    /// The agency that caused the change.
    public let actor: AgencyID?
    /// The staff member who gave this agency's answer, when it came from the desk.
    public let staff: String?
    public let at: String
    public let detail: String?
}

/// Everything the ledger knows of one referral: where it stands, its history and the agency's answers.
public struct LedgerCase: Sendable, Hashable {
    public let entry: LedgerReferral
    public let events: [LedgerEvent]
    public let answers: [LedgerAnswer]

    /// The latest event that put the referral in `state`.
    public func event(reaching state: HandoffState) -> LedgerEvent? { events.last { $0.state == state } }
}

/// An answer (accept, decline, complete, withdraw) waiting to be sent to the router.
public struct QueuedAnswer: Sendable, Hashable {
    public let referral: ReferralID
    public let transition: Transition
    public let detail: String?
    /// The staff member who gave it, sent with it to the router's audit trail.
    public let staff: String?
}

/// What happened when a referral was recorded.
public enum RecordOutcome: Sendable, Equatable {
    case recorded
    /// The same referral (same content) was recorded before: nothing changed.
    case alreadyRecorded
    /// The id is taken by a referral with other content.
    case conflict
}

/// Why an answer cannot be queued.
public enum AnswerRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownReferral(ReferralID, Transition)
    case alreadyFinal(ReferralID, HandoffState)

    public var description: String {
        switch self {
        case .unknownReferral(let id, let transition):
            transition == .withdraw
                ? "this agency has not sent a referral \(id): check the id with the 'sent' command"
                : "no referral \(id) has arrived in this agency's inbox: check the id with the 'inbox' command"
        case .alreadyFinal(let id, let state):
            "referral \(id) is already \(state.rawValue); it cannot change any more"
        }
    }
}

/// An agency's own ledger: a local SQLite file (WAL, synchronous=FULL, owner or staff group only) holding the
/// referrals it sent and received, an append-only event log, and its answers waiting to be sent.
/// The daemon and the agency's commands open it at the same time from different processes.
public final class AgencyLedger: Sendable {
    public let path: String
    let pool: DatabasePool
    private let checkpointer: Checkpointer?

    /// - Parameter backgroundCheckpoints: the daemon moves the WAL into the file from a thread of
    ///   its own, so that storing a delivery never waits for a checkpoint; a short command leaves
    ///   it to SQLite.
    public init(path: String, backgroundCheckpoints: Bool = false) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        try StoreFiles.prepareDirectory(directory.isEmpty ? "." : directory)
        var configuration = Configuration()
        // The daemon and a command may write at the same moment: wait rather than fail.
        configuration.busyMode = .timeout(10)
        configuration.label = "tsunagi.agency-ledger"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError("cannot open the ledger at \(path): \(error)")
        }
        // GRDB sets synchronous=NORMAL when it switches to WAL: an answer recorded and then lost
        // to a power cut would be a referral dropped on the floor.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if backgroundCheckpoints { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        do {
            try LedgerSchema.migrator.migrate(pool)
        } catch {
            throw StoreError("cannot migrate the ledger at \(path): \(error)")
        }
        Self.restrictToAgency(path)
        checkpointer = backgroundCheckpoints ? try Checkpointer(path: path) : nil
    }

    /// The ledger and its WAL companions: owner-only, or — when its folder is group-writable, as
    /// the systemd units make data_dir (2770) — read and written by the agency's staff group too,
    /// whose commands queue answers in it. SQLite gives the WAL files the database file's mode.
    static func restrictToAgency(_ path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        var info = stat()
        let shared = stat(directory.isEmpty ? "." : directory, &info) == 0 && info.st_mode & 0o020 != 0
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            chmod(file, shared ? 0o660 : 0o600)
        }
    }

    /// The writer connection's `synchronous` setting (2 = FULL), for the durability test.
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    // MARK: Sent referrals

    /// Records a referral this agency sends, once. The same id with the same content again is
    /// harmless; with other content it is a conflict and nothing changes.
    @discardableResult
    public func recordSent(_ referral: Referral, sourceFile: String, at now: Date = Date()) throws -> RecordOutcome {
        try recordSent([referral], sourceFile: sourceFile, at: now)[0]
    }

    /// Records the referrals of one outbox file in one transaction (one fsync), each once: all
    /// of them are recorded or, when the ledger cannot be written, none is.
    public func recordSent(_ referrals: [Referral], sourceFile: String, at now: Date = Date()) throws -> [RecordOutcome] {
        let timestamp = Timestamps.iso(now)
        return try pool.write { db in
            try referrals.map { referral in
                let routingJSON = Data(referral.routing.canonicalJSON())
                if let row = try Row.fetchOne(db, sql: "SELECT routing, personal FROM sent_referral WHERE id = ?",
                                              arguments: [referral.id.rawValue]) {
                    let sameRouting = (row["routing"] as Data) == routingJSON
                    let samePersonal = (row["personal"] as Data) == Data(referral.personal)
                    return sameRouting && samePersonal ? .alreadyRecorded : .conflict
                }
                try db.execute(sql: """
                    INSERT INTO sent_referral(id, to_agency, created_at, created_day, routing, personal, source_file,
                                              recorded_at, state, state_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?)
                    """, arguments: [referral.id.rawValue, referral.routing.to.rawValue, referral.routing.createdAt,
                                     Self.createdDay(referral.routing), routingJSON, Data(referral.personal), sourceFile,
                                     timestamp, timestamp])
                try Self.appendEvent(db, id: referral.id, direction: .sent, state: .submitted, actor: referral.routing.from,
                                     at: timestamp, detail: nil)
                return .recorded
            }
        }
    }

    /// Sent referrals the router has not yet answered, oldest first: resubmitted until it does.
    public func unacknowledgedSent() throws -> [Referral] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT routing, personal FROM sent_referral WHERE acknowledged = 0 ORDER BY recorded_at, id")
                .map(Self.referral(from:))
        }
    }

    /// One sent referral, for the router's RESEND.
    public func sentReferral(_ id: ReferralID) throws -> Referral? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT routing, personal FROM sent_referral WHERE id = ?", arguments: [id.rawValue])
                .map(Self.referral(from:))
        }
    }

    /// The router holds the referral durably (SUBMITTED).
    public func markSubmitted(_ id: ReferralID, state: HandoffState, at now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE sent_referral SET acknowledged = 1,
                    state = CASE WHEN state = 'submitted' THEN ? ELSE state END,
                    state_at = CASE WHEN state = 'submitted' AND ? != 'submitted' THEN ? ELSE state_at END
                WHERE id = ?
                """, arguments: [state.rawValue, state.rawValue, Timestamps.iso(now), id.rawValue])
        }
    }

    /// The router refused the referral for good (e.g. unknown destination): it is not resubmitted.
    public func markRefused(_ id: ReferralID, sentence: String, code: Int? = nil) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE sent_referral SET acknowledged = 1, refusal = ?, refusal_code = ? WHERE id = ?",
                           arguments: [sentence, code, id.rawValue])
        }
    }

    // MARK: Received referrals

    /// Records a referral delivered to this agency, once; a redelivery is a harmless repeat.
    @discardableResult
    public func recordReceived(_ referral: Referral, at now: Date = Date()) throws -> RecordOutcome {
        try recordReceived([referral], at: now)[0]
    }

    /// Records deliveries in one transaction (one fsync for all that one poll brought), each
    /// once: a delivery already recorded is answered `.alreadyRecorded` and changes nothing.
    /// With `dueRule`, the new ones get their due day in the same transaction (the desk's inbox
    /// reads its order from it).
    public func recordReceived(_ referrals: [Referral], at now: Date = Date(), dueRule: AnswerDueRule? = nil) throws -> [RecordOutcome] {
        let timestamp = Timestamps.iso(now)
        return try pool.write { db in
            let outcomes = try referrals.map { referral -> RecordOutcome in
                if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM received_referral WHERE id = ?"),
                                     arguments: [referral.id.rawValue]) == true {
                    return .alreadyRecorded
                }
                try db.cachedStatement(sql: """
                    INSERT INTO received_referral(id, from_agency, created_at, created_day, routing, personal, received_at,
                                                  state, state_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'delivered', ?)
                    """).execute(arguments: [referral.id.rawValue, referral.routing.from.rawValue, referral.routing.createdAt,
                                             Self.createdDay(referral.routing), Data(referral.routing.canonicalJSON()),
                                             Data(referral.personal), timestamp, timestamp])
                try Self.appendEvent(db, id: referral.id, direction: .received, state: .delivered, actor: referral.routing.to,
                                     at: timestamp, detail: nil)
                return .recorded
            }
            if let dueRule { try Self.fillDueDays(db, rule: dueRule) }
            return outcomes
        }
    }

    // MARK: Status updates

    /// Applies a change the other agency made. Idempotent by the router's event sequence.
    public func apply(_ update: StatusUpdate) throws {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM local_event WHERE router_sequence = ?", arguments: [update.sequence]) == true {
                return
            }
            let direction: LedgerEntry.Direction
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM sent_referral WHERE id = ?", arguments: [update.referral.rawValue]) == true {
                direction = .sent
                try db.execute(sql: "UPDATE sent_referral SET state = ?, state_at = ?, detail = COALESCE(?, detail), acknowledged = 1 WHERE id = ?",
                               arguments: [update.state.rawValue, update.at, update.detail, update.referral.rawValue])
            } else {
                direction = .received
                try db.execute(sql: "UPDATE received_referral SET state = ?, state_at = ?, detail = COALESCE(?, detail) WHERE id = ?",
                               arguments: [update.state.rawValue, update.at, update.detail, update.referral.rawValue])
                if update.state == .withdrawn {
                    // The sender took the hand-off back: this agency may no longer hold the person's
                    // details. The routing facts and the history stay.
                    try db.execute(sql: """
                        UPDATE received_referral SET personal = X'', personal_erased_at = ? WHERE id = ? AND personal_erased_at IS NULL
                        """, arguments: [update.at, update.referral.rawValue])
                }
            }
            try Self.appendEvent(db, id: update.referral, direction: direction, state: update.state, actor: update.actor,
                                 at: update.at, detail: update.detail, routerSequence: update.sequence)
        }
    }

    // MARK: The agency's own answers

    /// Queues an answer for the daemon to send. Asking again for the same answer is harmless; an
    /// answer the router refused may be given again (with another reason or outcome).
    /// `staff` names the staff member who gave it (the desk's login); it goes into the event.
    public func queueAnswer(_ transition: Transition, for id: ReferralID, detail: String?, staff: String? = nil,
                            at now: Date = Date()) throws(AnswerRefusal) {
        let refusal: AnswerRefusal?
        do {
            refusal = try queueAnswer(transition, for: id, detail: detail, staff: staff, at: now) { found -> AnswerRefusal? in
                guard let found, (found.entry.direction == .sent) == (transition == .withdraw) else {
                    return .unknownReferral(id, transition)
                }
                if found.entry.state.isFinal, found.entry.state != transition.target {
                    return .alreadyFinal(id, found.entry.state)
                }
                return nil
            }
        } catch {
            refusal = .unknownReferral(id, transition)
        }
        if let refusal { throw refusal }
    }

    /// Queues an answer unless `check`, which sees the referral as the ledger holds it inside the
    /// same transaction, returns a refusal; then nothing is queued and the refusal is returned.
    public func queueAnswer<Refusal>(_ transition: Transition, for id: ReferralID, detail: String?, staff: String? = nil,
                                     at now: Date = Date(), check: (LedgerCase?) -> Refusal?) throws -> Refusal? {
        try pool.write { db -> Refusal? in
            if let refusal = check(try Self.fetchCase(db, id)) { return refusal }
            try db.execute(sql: """
                INSERT INTO answer(referral_id, action, detail, queued_at, staff) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(referral_id, action) DO UPDATE SET
                    detail = excluded.detail, queued_at = excluded.queued_at, status = 'queued', error = NULL,
                    error_code = NULL, answered_at = NULL, staff = excluded.staff
                WHERE answer.status = 'refused'
                """, arguments: [id.rawValue, transition.rawValue, detail, Timestamps.iso(now), staff])
            return nil
        }
    }

    /// One referral with its history and the agency's answers, or nil when the ledger has none.
    public func referralCase(_ id: ReferralID) throws -> LedgerCase? {
        try pool.read { db in try Self.fetchCase(db, id) }
    }

    /// The agency's own answers the router refused, latest first.
    public func refusedAnswers() throws -> [LedgerAnswer] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM answer WHERE status = 'refused' ORDER BY answered_at DESC, seq DESC")
                .map(Self.answer(from:))
        }
    }

    /// Answers not yet answered by the router, in the order they were given.
    public func queuedAnswers() throws -> [QueuedAnswer] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT referral_id, action, detail, staff FROM answer WHERE status = 'queued' ORDER BY seq")
                .map { row in
                    let place = "the ledger's queued answer to \(row["referral_id"] as DatabaseValue)"
                    return QueuedAnswer(referral: try StoredValue.parse(row, "referral_id", in: place, ReferralID.init(rawValue:)),
                                        transition: try StoredValue.parse(row, "action", in: place, Transition.init(rawValue:)),
                                        detail: try StoredValue.optional(row, "detail", in: place),
                                        staff: try StoredValue.optional(row, "staff", in: place))
                }
        }
    }

    /// The router applied the answer (DONE): the ledger takes the state the router reports.
    public func markAnswerDone(_ transition: Transition, for id: ReferralID, state: HandoffState, actor: AgencyID,
                               at now: Date = Date()) throws {
        let timestamp = Timestamps.iso(now)
        try pool.write { db in
            let answer = try Row.fetchOne(db, sql: "SELECT detail, staff FROM answer WHERE referral_id = ? AND action = ?",
                                          arguments: [id.rawValue, transition.rawValue])
            let detail: String? = answer?["detail"]
            let staff: String? = answer?["staff"]
            try db.execute(sql: "UPDATE answer SET status = 'done', answered_at = ? WHERE referral_id = ? AND action = ? AND status = 'queued'",
                           arguments: [timestamp, id.rawValue, transition.rawValue])
            guard db.changesCount > 0 else { return }
            let direction: LedgerEntry.Direction = transition == .withdraw ? .sent : .received
            let table = direction == .sent ? "sent_referral" : "received_referral"
            try db.execute(sql: "UPDATE \(table) SET state = ?, state_at = ?, detail = COALESCE(?, detail) WHERE id = ? AND state != ?",
                           arguments: [state.rawValue, timestamp, detail, id.rawValue, state.rawValue])
            if db.changesCount > 0 {
                try Self.appendEvent(db, id: id, direction: direction, state: state, actor: actor, at: timestamp, detail: detail,
                                     staff: staff)
            }
        }
    }

    /// The router refused the answer for good: kept with its sentence, not sent again.
    public func markAnswerRefused(_ transition: Transition, for id: ReferralID, sentence: String, code: Int? = nil,
                                  at now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE answer SET status = 'refused', answered_at = ?, error = ?, error_code = ?
                WHERE referral_id = ? AND action = ? AND status = 'queued'
                """, arguments: [Timestamps.iso(now), sentence, code, id.rawValue, transition.rawValue])
        }
    }

    /// The router's sentence for a refused answer, if it refused it.
    public func answerRefusal(_ transition: Transition, for id: ReferralID) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT error FROM answer WHERE referral_id = ? AND action = ? AND status = 'refused'",
                                arguments: [id.rawValue, transition.rawValue])
        }
    }

    // MARK: Listings

    public func received() throws -> [LedgerReferral] {
        try pool.read { db in
            let refused = try Self.refusedAnswersByReferral(db)
            return try Row.fetchAll(db, sql: "\(Self.receivedSelect) ORDER BY r.received_at, r.id").map { row in
                try Self.receivedEntry(row, refused: refused)
            }
        }
    }

    public func sent() throws -> [LedgerReferral] {
        try pool.read { db in
            let refused = try Self.refusedAnswersByReferral(db)
            return try Row.fetchAll(db, sql: "\(Self.sentSelect) ORDER BY s.recorded_at, s.id").map { row in
                try Self.sentEntry(row, refused: refused)
            }
        }
    }

    static let receivedSelect = """
        SELECT r.routing, r.personal, r.state, r.state_at, r.detail, r.received_at, r.personal_erased_at,
               (SELECT action FROM answer a WHERE a.referral_id = r.id AND a.status = 'queued' ORDER BY seq DESC LIMIT 1) AS queued
        FROM received_referral r
        """

    static let sentSelect = """
        SELECT s.routing, s.personal, s.state, s.state_at, s.detail, s.acknowledged, s.refusal, s.refusal_code, s.source_file,
               s.recorded_at,
               (SELECT action FROM answer a WHERE a.referral_id = s.id AND a.status = 'queued' ORDER BY seq DESC LIMIT 1) AS queued
        FROM sent_referral s
        """

    static func receivedEntry(_ row: Row, refused: [String: [LedgerAnswer]]) throws -> LedgerReferral {
        let referral = try Self.referral(from: row)
        var entry = LedgerReferral(referral: referral, direction: .received,
                                   state: try StoredValue.parse(row, "state", in: "the ledger's received referral \(referral.id)", HandoffState.init(rawValue:)),
                                   stateAt: row["state_at"],
                                   detail: row["detail"], acknowledged: true, refusal: nil, sourceFile: nil,
                                   queuedAnswer: (row["queued"] as String?).flatMap(Transition.init(rawValue:)))
        entry.refusedAnswers = refused[referral.id.rawValue] ?? []
        entry.arrivedAt = row["received_at"]
        entry.personalErasedAt = row["personal_erased_at"]
        return entry
    }

    static func sentEntry(_ row: Row, refused: [String: [LedgerAnswer]]) throws -> LedgerReferral {
        let referral = try Self.referral(from: row)
        var entry = LedgerReferral(referral: referral, direction: .sent,
                                   state: try StoredValue.parse(row, "state", in: "the ledger's sent referral \(referral.id)", HandoffState.init(rawValue:)),
                                   stateAt: row["state_at"],
                                   detail: row["detail"], acknowledged: row["acknowledged"] as Bool, refusal: row["refusal"],
                                   sourceFile: row["source_file"],
                                   queuedAnswer: (row["queued"] as String?).flatMap(Transition.init(rawValue:)))
        entry.refusalCode = row["refusal_code"]
        entry.refusedAnswers = refused[referral.id.rawValue] ?? []
        entry.arrivedAt = row["recorded_at"]
        return entry
    }

    static func refusedAnswersByReferral(_ db: Database) throws -> [String: [LedgerAnswer]] {
        let answers = try Row.fetchAll(db, sql: "SELECT * FROM answer WHERE status = 'refused' ORDER BY answered_at DESC, seq DESC")
            .map(Self.answer(from:))
        return Dictionary(grouping: answers, by: \.referral.rawValue)
    }

    static func answer(from row: Row) throws(StoreError) -> LedgerAnswer {
        let place = "the ledger's answer \(row["seq"] as DatabaseValue) to \(row["referral_id"] as DatabaseValue)"
        return LedgerAnswer(referral: try StoredValue.parse(row, "referral_id", in: place, ReferralID.init(rawValue:)),
                            transition: try StoredValue.parse(row, "action", in: place, Transition.init(rawValue:)),
                            detail: row["detail"], status: try StoredValue.parse(row, "status", in: place, LedgerAnswer.Status.init(rawValue:)),
                            queuedAt: row["queued_at"], answeredAt: row["answered_at"], error: row["error"], errorCode: row["error_code"])
    }

    static func fetchCase(_ db: Database, _ id: ReferralID) throws -> LedgerCase? {
        let answers = try Row.fetchAll(db, sql: "SELECT * FROM answer WHERE referral_id = ? ORDER BY seq", arguments: [id.rawValue])
            .map(Self.answer(from:))
        let refused = [id.rawValue: answers.filter { $0.status == .refused }.reversed() as [LedgerAnswer]]
        let entry: LedgerReferral
        if let row = try Row.fetchOne(db, sql: "\(Self.receivedSelect) WHERE r.id = ?", arguments: [id.rawValue]) {
            entry = try receivedEntry(row, refused: refused)
        } else if let row = try Row.fetchOne(db, sql: "\(Self.sentSelect) WHERE s.id = ?", arguments: [id.rawValue]) {
            entry = try sentEntry(row, refused: refused)
        } else {
            return nil
        }
        let events = try Row.fetchAll(db, sql: "SELECT state, actor, staff, at, detail FROM local_event WHERE referral_id = ? ORDER BY seq",
                                      arguments: [id.rawValue]).map { row in
            LedgerEvent(state: try StoredValue.parse(row, "state", in: "the ledger's event of \(id)", HandoffState.init(rawValue:)),
                        actor: AgencyID(rawValue: row["actor"]), staff: row["staff"], at: row["at"], detail: row["detail"])
        }
        return LedgerCase(entry: entry, events: events, answers: answers)
    }

    /// Counts of rows, for tests and `store verify`-like checks: (sent, received, local events).
    public func counts() throws -> (sent: Int, received: Int, events: Int) {
        try pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sent_referral") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM received_referral") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM local_event") ?? 0)
        }
    }

    // MARK: Daily report

    /// The ledger for one day (Japan time of routing.created_at): every referral sent or received
    /// that day with the ledger's state. Referrals the router refused are not in its store either.
    public func report(agency: AgencyID, day: CivilDate, at now: Date = Date()) throws -> LedgerReport {
        let entries = try pool.read { db in
            let sent = try Row.fetchAll(db, sql: "SELECT id, to_agency, state FROM sent_referral WHERE created_day = ? AND refusal IS NULL ORDER BY id",
                                        arguments: [day.description]).map { row in
                let place = "the ledger's sent referral \(row["id"] as DatabaseValue)"
                return LedgerEntry(referral: try StoredValue.parse(row, "id", in: place, ReferralID.init(rawValue:)),
                                   counterpart: try StoredValue.parse(row, "to_agency", in: place, AgencyID.init(rawValue:)),
                                   direction: .sent, state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)))
            }
            let received = try Row.fetchAll(db, sql: "SELECT id, from_agency, state FROM received_referral WHERE created_day = ? ORDER BY id",
                                            arguments: [day.description]).map { row in
                let place = "the ledger's received referral \(row["id"] as DatabaseValue)"
                return LedgerEntry(referral: try StoredValue.parse(row, "id", in: place, ReferralID.init(rawValue:)),
                                   counterpart: try StoredValue.parse(row, "from_agency", in: place, AgencyID.init(rawValue:)),
                                   direction: .received, state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)))
            }
            return sent + received
        }
        return LedgerReport(agency: agency, day: day, generatedAt: Timestamps.iso(now), entries: entries)
    }

    /// Asks the running daemon to send the report of `day` (the `ledger report --send` command).
    public func requestReport(day: CivilDate, at now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO report_request(day, requested_at, sent) VALUES (?, ?, 0)
                ON CONFLICT(day) DO UPDATE SET requested_at = excluded.requested_at, sent = 0
                """, arguments: [day.description, Timestamps.iso(now)])
        }
    }

    /// Days whose report was asked for and not yet taken by the daemon.
    public func takeReportRequests() throws -> [CivilDate] {
        try pool.write { db in
            let days = try Row.fetchAll(db, sql: "SELECT day FROM report_request WHERE sent = 0 ORDER BY day").map { row in
                try StoredValue.parse(row, "day", in: "the ledger's report request") { CivilDate($0) }
            }
            try db.execute(sql: "UPDATE report_request SET sent = 1 WHERE sent = 0")
            return days
        }
    }

    // MARK: Helpers

    static func createdDay(_ routing: Routing) -> String {
        routing.createdDate.map { CivilDate($0, in: .japan).description } ?? String(routing.createdAt.prefix(10))
    }

    static func referral(from row: Row) throws -> Referral {
        let routingJSON: Data = row["routing"]
        guard let routing = Routing.decodeStored(json: Array(routingJSON)) else {
            throw StoreError("the ledger holds a referral with unreadable routing")
        }
        return Referral(routing: routing, personal: Array(row["personal"] as Data))
    }

    static func appendEvent(_ db: Database, id: ReferralID, direction: LedgerEntry.Direction, state: HandoffState,
                            actor: AgencyID, at: String, detail: String?, routerSequence: Int64? = nil,
                            staff: String? = nil) throws {
        try db.execute(sql: """
            INSERT INTO local_event(referral_id, direction, state, actor, at, detail, router_sequence, staff) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id.rawValue, direction.rawValue, state.rawValue, actor.rawValue, at, detail, routerSequence, staff])
    }
}
