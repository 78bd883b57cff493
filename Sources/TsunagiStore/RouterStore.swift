import Foundation
import GRDB
import Synchronization
import TsunagiCore

/// One request the router's loop hands the store; a batch of them commits in one transaction.
public enum StoreRequest: Sendable {
    case submit(Referral, dueDay: CivilDate)
    /// `staff`: the staff member who gave the answer, kept with its event (nil: not named).
    case transition(Transition, ReferralID, by: AgencyID, detail: String?, staff: String? = nil)
    case acknowledgeStatus(sequence: Int64, by: AgencyID)
    case report(LedgerReport)
    /// Forgets resend requests the router has passed on to `agency`.
    case forgetResendRequests([ReferralID], of: AgencyID)
}

/// A status update to send once the batch that made it is committed.
public struct Notice: Sendable, Hashable {
    public let agency: AgencyID
    public let update: StatusUpdate
}

/// The store's answer to one request.
public enum StoreResult: Sendable, Equatable {
    /// `isNew` when it is to be delivered: just stored, or sealed again; `sequence` is its place
    /// in the store.
    case submitted(ReferralID, HandoffState, isNew: Bool, sequence: Int64)
    case transitioned(Transition, ReferralID, HandoffState, notices: [Notice])
    case statusAcknowledged
    case reported(CivilDate)
    case resendRequestsForgotten
    case refused(ProtocolError)
}

/// A referral as the router stores it.
public struct StoredReferral: Sendable, Hashable {
    public let sequence: Int64
    public let referral: Referral
    public let state: HandoffState
    public let submittedAt: String
    public let dueDay: CivilDate
}

/// The router's embedded store: SQLite in WAL mode with synchronous=FULL, so a commit that
/// returned survives a power cut. Current state is a projection kept in the same transaction as
/// the append-only event that caused it.
public final class RouterStore: Sendable {
    public let path: String
    let pool: DatabasePool
    private let checkpointer: Checkpointer
    /// Set by the first write whose outcome is unknown (a failed fsync): from then on nothing is
    /// written through this pool, since its view of the files may no longer match the disk.
    private let writesStopped = Mutex<StoreError?>(nil)

    /// The WAL's size past which the writer copies what is left of it between two batches, so
    /// that the next commit starts it again from the beginning.
    let walRewindBytes: Int
    /// The store's page size: a WAL frame holds one page.
    private let pageSize: Int

    /// Opens (creating with owner-only permissions when new) and migrates the store.
    public convenience init(path: String) throws {
        try self.init(path: path, walRewindBytes: 32 << 20)
    }

    /// Opens the store, with the WAL's rewind size given (tests make it small).
    init(path: String, walRewindBytes: Int) throws {
        self.path = path
        self.walRewindBytes = walRewindBytes
        let directory = (path as NSString).deletingLastPathComponent
        try StoreFiles.prepareDirectory(directory.isEmpty ? "." : directory)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "tsunagi.router-store"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // 32 MiB of page cache per connection (SQLite's default is 2 MiB): the indexes of a
            // busy year stay in memory instead of being read back page by page on every insert.
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        do {
            // WALWriteGathering becomes SQLite's default VFS: every connection opened from here
            // on goes through it, and only the writer holds its WAL writes (below).
            _ = WALWriteGathering.isRegistered
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError("cannot open the store at \(path): \(error)")
        }
        // GRDB sets synchronous=NORMAL when it switches the pool to WAL: put FULL back on the
        // writer, or a power cut can lose commits that were acknowledged.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The checkpointer below moves the WAL into the file; commits never do it themselves.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // A WAL that grew while a long read held it is cut back to twice the rewind size
            // when it starts again.
            try db.execute(sql: "PRAGMA journal_size_limit = \(2 * walRewindBytes)")
        }
        pageSize = try pool.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } ?? 4096
        do {
            try RouterSchema.migrator.migrate(pool)
        } catch {
            throw StoreError("cannot migrate the store at \(path): \(error)")
        }
        // Now that every commit syncs the WAL, and the migrations' large transactions are done,
        // the writer writes each commit's frames together at the sync (WALWriteGathering).
        _ = try pool.writeWithoutTransaction { try WALWriteGathering.holdWrites(of: $0) }
        StoreFiles.restrictToOwner(path)
        checkpointer = try Checkpointer(path: path)
    }

    /// The writer connection's `synchronous` setting (2 = FULL), for the durability test.
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    // MARK: Group commit

    /// Applies a batch in one transaction (one fsync). A refusal of one request does not affect
    /// the others; an SQLite failure (disk full, read-only) throws and nothing of the batch is kept.
    public func apply(_ requests: [StoreRequest], at now: Date = Date()) throws(StoreError) -> [StoreResult] {
        let timestamp = Timestamps.iso(now)
        do {
            return try pool.write { db in
                try self.checkWritable()
                var writer = BatchWriter(db: db, timestamp: timestamp)
                return try requests.map { try writer.apply($0) }
            }
        } catch {
            throw failed(error)
        }
    }

    /// The same as `apply`, without waiting: the batch commits on the store's writer thread and
    /// `completion` gets the results there. Batches commit in the order they are given, so a
    /// caller can gather the next batch while this one waits for its fsync (group commit).
    public func applyInBackground(_ requests: [StoreRequest], at now: Date = Date(),
                                  completion: @escaping @Sendable (Result<[StoreResult], StoreError>) -> Void) {
        let timestamp = Timestamps.iso(now)
        pool.asyncWrite({ db in
            try self.checkWritable()
            var writer = BatchWriter(db: db, timestamp: timestamp)
            return try requests.map { try writer.apply($0) }
        }, completion: { db, result in
            completion(result.mapError { self.failed($0) })
            if case .success = result { self.rewindLargeWAL(db) }
        })
    }

    /// Lets the WAL start again from its beginning once it has grown past `walRewindBytes`.
    ///
    /// SQLite rewinds the WAL only when a write begins with every frame already copied into the
    /// database, and under steady load the background checkpointer never catches up with the
    /// commits behind it: the WAL grew without end (188 MB after 40,000 referrals), and every
    /// commit appended to a growing file, whose fdatasync must also write the file's new size.
    /// Copying the few frames the checkpointer has not reached, here between two batches, lets the
    /// next commit rewind: the WAL stays near this size and commits overwrite blocks already on
    /// disk. The batch after waits for the copy (the acknowledgements of this one are already out).
    private func rewindLargeWAL(_ db: Database) {
        guard checkpointer.walFrames.load(ordering: .relaxed) * pageSize > walRewindBytes else { return }
        // A failed copy loses nothing (the frames stay in the WAL); the checkpointer tries again.
        _ = try? db.checkpoint(.passive)
        checkpointer.walFrames.store(0, ordering: .relaxed)
    }

    /// The error that stopped writes, if one did.
    public var stoppedWriting: StoreError? { writesStopped.withLock { $0 } }

    private func checkWritable() throws(StoreError) {
        if let stopped = writesStopped.withLock({ $0 }) {
            throw StoreError("the store stopped writing after an earlier failure (\(stopped.message)); nothing was recorded")
        }
    }

    /// Classifies a failed write; one whose outcome is unknown stops every later write.
    private func failed(_ error: any Error) -> StoreError {
        let failure = StoreError.writeFailed(error)
        if failure.outcomeUnknown {
            writesStopped.withLock { if $0 == nil { $0 = failure } }
            checkpointer.stop()
        }
        return failure
    }

    // MARK: Reads for the router

    /// Referrals addressed to `agency` that its worker has not confirmed, oldest first, plus
    /// every one a reconcile asked to deliver again (whatever the cursor: they may be old).
    public func undelivered(to agency: AgencyID, afterSequence: Int64, limit: Int) throws -> [StoredReferral] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: Self.undeliveredSQL,
                                        arguments: [afterSequence, agency.rawValue, agency.rawValue, limit])
            return try rows.map(StoredReferral.init(row:))
        }
    }

    /// The open referrals after the cursor, in arrival order, those for `agency` and undelivered
    /// taken: the router moves the cursor past what it has read, so a connected destination's
    /// read starts at the newest referrals. The partial index's predicate is written out because
    /// SQLite uses a partial index only for a WHERE that repeats it. CROSS JOIN reads the few
    /// repair requests first; as a plain JOIN the planner scans every referral.
    static let undeliveredSQL = """
        SELECT * FROM referral INDEXED BY referral_open
        WHERE seq > ? AND state IN ('submitted', 'delivered') AND to_agency = ? AND state = 'submitted'
        UNION
        SELECT r.* FROM redelivery d CROSS JOIN referral r ON r.seq = d.referral_seq
        WHERE r.to_agency = ? AND r.state <> 'withdrawn'
        ORDER BY seq LIMIT ?
        """

    /// What `hasBacklog` asks, each with the agency as its one argument.
    static let backlogProbes = [
        "SELECT 1 FROM notification WHERE agency = ? LIMIT 1",
        "SELECT 1 FROM redelivery d CROSS JOIN referral r ON r.seq = d.referral_seq WHERE r.to_agency = ? AND r.state <> 'withdrawn' LIMIT 1",
        "SELECT 1 FROM resend_request WHERE agency = ? LIMIT 1",
    ]

    /// Status updates `agency` has not acknowledged, oldest first.
    public func unacknowledgedNotices(for agency: AgencyID, afterSequence: Int64, limit: Int) throws -> [StatusUpdate] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.seq, r.id, e.state, e.actor, e.at, e.detail
                FROM notification n JOIN event e ON e.seq = n.event_seq JOIN referral r ON r.seq = e.referral_seq
                WHERE n.agency = ? AND n.event_seq > ? ORDER BY n.event_seq LIMIT ?
                """, arguments: [agency.rawValue, afterSequence, limit]
            ).map { try StatusUpdate(row: $0) }
        }
    }

    /// Whether anything the router did not put there itself may wait for `agency`: an
    /// unacknowledged status update, or a repair a reconcile asked for. (Undelivered referrals
    /// are the router's own doing, and it keeps track of them.) Each probe stops at the first
    /// row it finds through an index, so asking this every second costs microseconds, whatever
    /// the store's size.
    public func hasBacklog(for agency: AgencyID) throws -> Bool {
        try pool.read { db in
            // CROSS JOIN as in `undelivered`, so that the repair requests are read first.
            for sql in Self.backlogProbes where try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: [agency.rawValue]) == true {
                return true
            }
            return false
        }
    }

    /// Asks the router to deliver a referral again (a destination's ledger lacks it). A withdrawn
    /// referral is never delivered again: asking for one changes nothing and returns false.
    public func requestRedelivery(of id: ReferralID, at now: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO redelivery(referral_seq, requested_at)
                SELECT seq, ? FROM referral WHERE id = ? AND state <> 'withdrawn'
                """, arguments: [Timestamps.iso(now), id.rawValue])
            return db.changesCount > 0
        }
    }

    /// Asks the router to have `agency` send a referral again (the router lacks one its ledger has).
    public func requestResend(of id: ReferralID, from agency: AgencyID, at now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO resend_request(referral_id, agency, requested_at) VALUES (?, ?, ?)",
                           arguments: [id.rawValue, agency.rawValue, Timestamps.iso(now)])
        }
    }

    /// The resend requests waiting for `agency`, oldest first. The router forgets them with
    /// `StoreRequest.forgetResendRequests` once it has passed them on.
    public func resendRequests(for agency: AgencyID) throws -> [ReferralID] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT referral_id FROM resend_request WHERE agency = ? ORDER BY requested_at",
                                arguments: [agency.rawValue]).map { try StoredValue.referralID($0, "a resend request") }
        }
    }

    // MARK: Maintenance

    /// Runs SQLite's integrity check and the store's own invariants; returns the problems found.
    public func verify() throws -> [String] {
        try pool.read { db in try StoreVerifier.problems(in: db) }
    }

    /// Copies the store, consistently, while it is in use (SQLite's online backup).
    public func backup(to destination: String) throws {
        try StoreFiles.backup(from: pool, to: destination)
    }

    /// Forces the WAL into the main file, as at a clean stop.
    public func checkpoint() throws {
        try checkWritable()
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    public func close() throws {
        checkpointer.stop()
        try pool.close()
    }
}

/// The mutations of one batch, on one connection inside one transaction.
struct BatchWriter {
    let db: Database
    let timestamp: String
    private var insertReferral: WriteStatement?
    private var insertEvent: WriteStatement?

    init(db: Database, timestamp: String) {
        self.db = db
        self.timestamp = timestamp
    }

    mutating func apply(_ request: StoreRequest) throws -> StoreResult {
        switch request {
        case .submit(let referral, let dueDay):
            return try submit(referral, dueDay: dueDay)
        case .transition(let transition, let id, let agency, let detail, let staff):
            return try self.transition(transition, id, by: agency, detail: detail, staff: staff)
        case .acknowledgeStatus(let sequence, let agency):
            try db.cachedStatement(sql: "DELETE FROM notification WHERE event_seq = ? AND agency = ?")
                .execute(arguments: [sequence, agency.rawValue])
            return .statusAcknowledged
        case .forgetResendRequests(let ids, let agency):
            let statement = try db.cachedStatement(sql: "DELETE FROM resend_request WHERE agency = ? AND referral_id = ?")
            for id in ids { try statement.execute(arguments: [agency.rawValue, id.rawValue]) }
            return .resendRequestsForgotten
        case .report(let report):
            try db.cachedStatement(sql: """
                INSERT INTO ledger_report(agency, day, received_at, report) VALUES (?, ?, ?, ?)
                ON CONFLICT(agency, day) DO UPDATE SET received_at = excluded.received_at, report = excluded.report
                """).execute(arguments: [report.agency.rawValue, report.day.description, timestamp, Data(try jsonBytesForStore(report))])
            return .reported(report.day)
        }
    }

    private mutating func submit(_ referral: Referral, dueDay: CivilDate) throws -> StoreResult {
        let routing = referral.routing
        let routingJSON = routing.canonicalJSON()
        let createdDay = routing.createdDate.map(CivilDate.japan(at:)) ?? dueDay
        // Insert first and look at the existing row only when the id is taken: a new referral,
        // the common case, costs one statement instead of two.
        let insert = try statement(\.insertReferral, sql: """
            INSERT INTO referral(id, from_agency, to_agency, created_at, created_day, submitted_at, due_day, needs,
                                 routing, personal, state, state_at, municipality, age_band)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'submitted', ?6, ?11, ?12)
            ON CONFLICT(id) DO NOTHING
            """)
        insert.bind(1, routing.id.rawValue)
        insert.bind(2, routing.from.rawValue)
        insert.bind(3, routing.to.rawValue)
        insert.bind(4, routing.createdAt)
        insert.bind(5, createdDay.description)
        insert.bind(6, timestamp)
        insert.bind(7, dueDay.description)
        insert.bind(8, routing.needs.map(\.rawValue).joined(separator: ","))
        insert.bind(9, blob: routingJSON)
        insert.bind(10, blob: referral.personal)
        insert.bind(11, routing.municipality)
        insert.bind(12, routing.ageBand.rawValue)
        try insert.execute()
        guard db.changesCount == 0 else {
            let referralSequence = db.lastInsertedRowID
            try appendEvent(referralSequence: referralSequence, state: .submitted, actor: routing.from, detail: nil)
            return .submitted(routing.id, .submitted, isNew: true, sequence: referralSequence)
        }
        let routingData = Data(routingJSON)
        let personal = Data(referral.personal)
        guard let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT seq, routing, personal, state FROM referral WHERE id = ?"),
            arguments: [routing.id.rawValue])
        else {
            throw StoreError("referral \(routing.id) is neither new nor in the store: run tsunagi store verify")
        }
        let place = "referral \(routing.id)"
        let storedPersonal = try StoredValue.data(existing, "personal", in: place)
        let storedRouting = try StoredValue.data(existing, "routing", in: place)
        let storedState = try StoredValue.parse(existing, "state", in: place, HandoffState.init(rawValue:))
        // The destination could not open the personal part, and the sender sealed it again.
        let storedSequence = try StoredValue.integer(existing, "seq", in: place)
        if storedState == .undeliverable, storedRouting == routingData, storedPersonal != personal {
            return try resubmitSealedAgain(referral, referralSequence: storedSequence, personal: personal)
        }
        guard storedRouting == routingData, storedPersonal == personal else {
            return .refused(.conflict(routing.id))
        }
        return .submitted(routing.id, storedState, isNew: false, sequence: storedSequence)
    }

    /// The destination could not open the personal part and the sender sealed it again: the new
    /// envelope replaces the old and the referral is delivered again, under the same id.
    private mutating func resubmitSealedAgain(_ referral: Referral, referralSequence: Int64, personal: Data) throws -> StoreResult {
        try db.cachedStatement(sql: "UPDATE referral SET personal = ?, state = 'submitted', state_at = ?, detail = NULL WHERE seq = ?")
            .execute(arguments: [personal, timestamp, referralSequence])
        try appendEvent(referralSequence: referralSequence, state: .submitted, actor: referral.routing.from, detail: nil)
        return .submitted(referral.id, .submitted, isNew: true, sequence: referralSequence)
    }

    private mutating func transition(_ transition: Transition, _ id: ReferralID, by agency: AgencyID, detail: String?,
                                     staff: String?) throws -> StoreResult {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT seq, from_agency, to_agency, state, detail FROM referral WHERE id = ?"),
            arguments: [id.rawValue])
        else {
            return .refused(.notFound(id))
        }
        let place = "referral \(id)"
        let sender = try StoredValue.parse(row, "from_agency", in: place, AgencyID.init(rawValue:))
        let destination = try StoredValue.parse(row, "to_agency", in: place, AgencyID.init(rawValue:))
        let party: Party
        switch agency {
        case destination: party = .destination
        case sender: party = .sender
        default:
            return .refused(.notAParty(agency, id))
        }
        let state = try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:))
        let referralSequence = try StoredValue.integer(row, "seq", in: place)
        switch transition.check(from: state, by: party, detail: detail, currentDetail: try StoredValue.optional(row, "detail", in: place)) {
        case .failure(.wrongActor(_, let required)):
            return .refused(.wrongActor(transition, id, required: required, sender: sender, destination: destination))
        case .failure(.detailRequired):
            return .refused(.detailRequired(transition))
        case .failure(.notAllowed(_, let from)):
            return .refused(.invalidTransition(transition, id, from: from))
        case .success(.repeatOfDone):
            if transition == .confirmDelivery || transition == .withdraw { try clearRedelivery(referralSequence) }
            return .transitioned(transition, id, state, notices: [])
        case .success(.apply):
            // Delivered, withdrawn (never to be delivered again) or undeliverable: no repair is pending.
            if transition == .confirmDelivery || transition == .withdraw || transition == .undeliverable { try clearRedelivery(referralSequence) }
        }
        let newState = transition.target
        try db.cachedStatement(sql: "UPDATE referral SET state = ?, state_at = ?, detail = COALESCE(?, detail) WHERE seq = ?")
            .execute(arguments: [newState.rawValue, timestamp, detail, referralSequence])
        let eventSequence = try appendEvent(referralSequence: referralSequence, state: newState, actor: agency, detail: detail,
                                            staff: staff)
        // The party that did not act hears of it. A withdrawal goes to the destination even before
        // its delivery was confirmed: a delivery may be on its way.
        let other = party == .sender ? destination : sender
        try db.cachedStatement(sql: "INSERT INTO notification(event_seq, agency) VALUES (?, ?)")
            .execute(arguments: [eventSequence, other.rawValue])
        let notice = Notice(agency: other, update: StatusUpdate(
            sequence: eventSequence, referral: id, state: newState, actor: agency, at: timestamp, detail: detail))
        return .transitioned(transition, id, newState, notices: [notice])
    }

    private func clearRedelivery(_ referralSequence: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM redelivery WHERE referral_seq = ?").execute(arguments: [referralSequence])
    }

    @discardableResult
    private mutating func appendEvent(referralSequence: Int64, state: HandoffState, actor: AgencyID, detail: String?,
                                      staff: String? = nil) throws -> Int64 {
        let insert = try statement(\.insertEvent, sql: "INSERT INTO event(referral_seq, state, actor, at, detail, staff) VALUES (?, ?, ?, ?, ?, ?)")
        insert.bind(1, referralSequence)
        insert.bind(2, state.rawValue)
        insert.bind(3, actor.rawValue)
        insert.bind(4, timestamp)
        insert.bind(5, optional: detail)
        insert.bind(6, optional: staff)
        try insert.execute()
        return db.lastInsertedRowID
    }

    /// The batch's own handle on a write statement, found in the connection's cache once a batch.
    private mutating func statement(_ slot: WritableKeyPath<BatchWriter, WriteStatement?>, sql: String) throws -> WriteStatement {
        if let statement = self[keyPath: slot] { return statement }
        let statement = try WriteStatement(db, sql: sql)
        self[keyPath: slot] = statement
        return statement
    }
}

extension StoredReferral {
    init(row: Row) throws {
        let routing = try Routing.stored(in: row)
        let place = "referral \(routing.id)"
        self.init(
            sequence: try StoredValue.integer(row, "seq", in: place),
            referral: Referral(routing: routing, personal: Array(try StoredValue.data(row, "personal", in: place))),
            state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
            submittedAt: try StoredValue.parse(row, "submitted_at", in: place) { $0 },
            dueDay: try StoredValue.parse(row, "due_day", in: place) { CivilDate($0) })
    }
}

extension StatusUpdate {
    /// A row of (event seq, referral id, state, actor, at, detail).
    init(row: Row) throws {
        let place = "status update \(row[0] as DatabaseValue)"
        self.init(
            sequence: try StoredValue.integer(row, "seq", in: place),
            referral: try StoredValue.parse(row, "id", in: place, ReferralID.init(rawValue:)),
            state: try StoredValue.parse(row, "state", in: place, HandoffState.init(rawValue:)),
            actor: try StoredValue.parse(row, "actor", in: place, AgencyID.init(rawValue:)),
            at: try StoredValue.parse(row, "at", in: place) { $0 },
            detail: try StoredValue.optional(row, "detail", in: place))
    }
}

/// Values read back from the store's own rows. The store wrote them, so one that does not read
/// means a damaged or hand-edited file: a `StoreError` naming it, never a crash or an invented default.
enum StoredValue {
    static func parse<Value>(_ row: Row, _ column: String, in place: String, _ make: (String) -> Value?) throws(StoreError) -> Value {
        let stored: DatabaseValue = row[column]
        guard let text = String.fromDatabaseValue(stored), let value = make(text) else {
            throw unreadable(column, stored, place)
        }
        return value
    }

    static func text(_ row: Row, _ column: String, in place: String) throws(StoreError) -> String {
        try parse(row, column, in: place) { $0 }
    }

    /// How a referral row is named in a refusal to read it: by its id, or by its key when the
    /// id itself is unreadable.
    static func referralPlace(_ row: Row) -> String {
        let id: DatabaseValue = row["id"]
        if let text = String.fromDatabaseValue(id) { return "referral \(text)" }
        let key: DatabaseValue = row["seq"]
        return "the referral in row \(key)"
    }

    static func referralID(_ text: String, _ place: String) throws(StoreError) -> ReferralID {
        guard let id = ReferralID(rawValue: text) else { throw unreadable("referral_id", text.databaseValue, place) }
        return id
    }

    static func optional(_ row: Row, _ column: String, in place: String) throws(StoreError) -> String? {
        let stored: DatabaseValue = row[column]
        if stored.isNull { return nil }
        guard let text = String.fromDatabaseValue(stored) else { throw unreadable(column, stored, place) }
        return text
    }

    static func integer(_ row: Row, _ column: String, in place: String) throws(StoreError) -> Int64 {
        let stored: DatabaseValue = row[column]
        guard case .int64(let value) = stored.storage else { throw unreadable(column, stored, place) }
        return value
    }

    static func data(_ row: Row, _ column: String, in place: String) throws(StoreError) -> Data {
        let stored: DatabaseValue = row[column]
        guard let data = Data.fromDatabaseValue(stored) else { throw unreadable(column, stored, place) }
        return data
    }

    /// Places in an agency's ledger start with "the ledger's"; `tsunagi store verify` checks the
    /// router's store only.
    private static func unreadable(_ column: String, _ stored: DatabaseValue, _ place: String) -> StoreError {
        let value = stored.isNull ? "empty" : "\(stored)".prefix(80)
        if place.hasPrefix("the ledger's") {
            // Staff meet this one (the agency commands, the desk): Japanese first.
            return StoreError("台帳に読めない値があります（\(column)、\(value)）。ワーカーが書かない値です。台帳ファイルの写しを取り、"
                + "運用担当者に連絡してください。/ The \(column) of \(place) cannot be read (\(value)): the ledger holds a value "
                + "the worker never writes; keep a copy of the ledger file and look at that row with sqlite3")
        }
        return StoreError("the store's \(column) of \(place) cannot be read (\(value)): the router never writes such a value. "
            + "Keep a copy of the store, run tsunagi store verify (it lists the rows it can tell are damaged) and look at this row with sqlite3")
    }
}

func jsonBytesForStore<T: Encodable>(_ value: T) throws(StoreError) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
        return Array(try encoder.encode(value))
    } catch {
        throw StoreError("cannot encode \(T.self) for the store: \(error)")
    }
}

/// Times as the store writes them: ISO 8601 UTC with milliseconds, which sorts as text.
public enum Timestamps {
    public static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func parse(_ text: String) -> Date? {
        Routing.parseTimestamp(text)
    }
}

extension Routing {
    /// The routing column of a referral row, which the store wrote itself.
    static func stored(in row: Row) throws -> Routing {
        let place = "referral \(row["id"] as DatabaseValue)"
        let routingJSON = try StoredValue.data(row, "routing", in: place)
        guard let routing = Routing.decodeStored(json: Array(routingJSON)) else {
            throw StoreError("\(place) has unreadable routing in the store: run tsunagi store verify")
        }
        return routing
    }
}
