import Foundation
import GRDB
import TsunagiCore

/// One request the router's loop hands the store; a batch of them commits in one transaction.
public enum StoreRequest: Sendable {
    case submit(Referral, dueDay: CivilDate)
    case transition(Transition, ReferralID, by: AgencyID, detail: String?)
    case acknowledgeStatus(sequence: Int64, by: AgencyID)
    case report(LedgerReport)
}

/// A status update to send once the batch that made it is committed.
public struct Notice: Sendable, Hashable {
    public let agency: AgencyID
    public let update: StatusUpdate
}

/// The store's answer to one request.
public enum StoreResult: Sendable, Equatable {
    case submitted(ReferralID, HandoffState, isNew: Bool)
    case transitioned(Transition, ReferralID, HandoffState, notices: [Notice])
    case statusAcknowledged
    case reported(CivilDate)
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

    /// Opens (creating with owner-only permissions when new) and migrates the store.
    public init(path: String) throws {
        self.path = path
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
        }
        do {
            try RouterSchema.migrator.migrate(pool)
        } catch {
            throw StoreError("cannot migrate the store at \(path): \(error)")
        }
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
    public func apply(_ requests: [StoreRequest], at now: Date = Date()) throws -> [StoreResult] {
        let timestamp = Timestamps.iso(now)
        do {
            return try pool.write { db in
                var writer = BatchWriter(db: db, timestamp: timestamp)
                return try requests.map { try writer.apply($0) }
            }
        } catch let error as DatabaseError {
            throw StoreError("the store refused the write: \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// The same as `apply`, without waiting: the batch commits on the store's writer thread and
    /// `completion` gets the results there. Batches commit in the order they are given, so a
    /// caller can gather the next batch while this one waits for its fsync (group commit).
    public func applyInBackground(_ requests: [StoreRequest], at now: Date = Date(),
                                  completion: @escaping @Sendable (Result<[StoreResult], StoreError>) -> Void) {
        let timestamp = Timestamps.iso(now)
        pool.asyncWrite({ db in
            var writer = BatchWriter(db: db, timestamp: timestamp)
            return try requests.map { try writer.apply($0) }
        }, completion: { _, result in
            completion(result.mapError { error in
                StoreError("the store refused the write: \((error as? DatabaseError)?.message ?? "\(error)")")
            })
        })
    }

    // MARK: Reads for the router

    /// Referrals addressed to `agency` that its worker has not confirmed, oldest first, plus
    /// every one a reconcile asked to deliver again (whatever the cursor: they may be old).
    public func undelivered(to agency: AgencyID, afterSequence: Int64, limit: Int) throws -> [StoredReferral] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM referral
                WHERE to_agency = ? AND seq > ? AND state IN ('submitted', 'delivered') AND state = 'submitted'
                UNION
                SELECT r.* FROM redelivery d JOIN referral r ON r.seq = d.referral_seq
                WHERE r.to_agency = ?
                ORDER BY seq LIMIT ?
                """, arguments: [agency.rawValue, afterSequence, agency.rawValue, limit])
            return try rows.map(StoredReferral.init(row:))
        }
    }

    /// Status updates `agency` has not acknowledged, oldest first.
    public func unacknowledgedNotices(for agency: AgencyID, afterSequence: Int64, limit: Int) throws -> [StatusUpdate] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.seq, r.id, e.state, e.actor, e.at, e.detail
                FROM notification n JOIN event e ON e.seq = n.event_seq JOIN referral r ON r.seq = e.referral_seq
                WHERE n.agency = ? AND n.event_seq > ? ORDER BY n.event_seq LIMIT ?
                """, arguments: [agency.rawValue, afterSequence, limit]
            ).map(StatusUpdate.init(row:))
        }
    }

    /// Whether anything waits for `agency`: an undelivered referral, an unacknowledged status
    /// update, or a repair a reconcile asked for. Each probe stops at the first row it finds
    /// through an index, so asking this every second costs microseconds, whatever the store's size.
    public func hasBacklog(for agency: AgencyID) throws -> Bool {
        try pool.read { db in
            let probes = [
                "SELECT 1 FROM referral WHERE to_agency = ? AND state IN ('submitted', 'delivered') AND state = 'submitted' LIMIT 1",
                "SELECT 1 FROM notification WHERE agency = ? LIMIT 1",
                "SELECT 1 FROM redelivery d JOIN referral r ON r.seq = d.referral_seq WHERE r.to_agency = ? LIMIT 1",
                "SELECT 1 FROM resend_request WHERE agency = ? LIMIT 1",
            ]
            for sql in probes where try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: [agency.rawValue]) == true {
                return true
            }
            return false
        }
    }

    /// Asks the router to deliver a referral again (a destination's ledger lacks it).
    public func requestRedelivery(of id: ReferralID, at now: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO redelivery(referral_seq, requested_at)
                SELECT seq, ? FROM referral WHERE id = ?
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

    /// Takes the resend requests for `agency` (they are asked once; a later reconcile asks again).
    public func takeResendRequests(for agency: AgencyID) throws -> [ReferralID] {
        // Nearly always there are none: look before taking the writer.
        let waiting = try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM resend_request WHERE agency = ? LIMIT 1", arguments: [agency.rawValue]) == true
        }
        guard waiting else { return [] }
        return try pool.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT referral_id FROM resend_request WHERE agency = ? ORDER BY requested_at",
                                          arguments: [agency.rawValue])
            try db.execute(sql: "DELETE FROM resend_request WHERE agency = ?", arguments: [agency.rawValue])
            return ids.compactMap(ReferralID.init(rawValue:))
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

    mutating func apply(_ request: StoreRequest) throws -> StoreResult {
        switch request {
        case .submit(let referral, let dueDay):
            return try submit(referral, dueDay: dueDay)
        case .transition(let transition, let id, let agency, let detail):
            return try self.transition(transition, id, by: agency, detail: detail)
        case .acknowledgeStatus(let sequence, let agency):
            try db.cachedStatement(sql: "DELETE FROM notification WHERE event_seq = ? AND agency = ?")
                .execute(arguments: [sequence, agency.rawValue])
            return .statusAcknowledged
        case .report(let report):
            try db.cachedStatement(sql: """
                INSERT INTO ledger_report(agency, day, received_at, report) VALUES (?, ?, ?, ?)
                ON CONFLICT(agency, day) DO UPDATE SET received_at = excluded.received_at, report = excluded.report
                """).execute(arguments: [report.agency.rawValue, report.day.description, timestamp, Data(jsonBytesForStore(report))])
            return .reported(report.day)
        }
    }

    private func submit(_ referral: Referral, dueDay: CivilDate) throws -> StoreResult {
        let routing = referral.routing
        let routingJSON = Data(routing.canonicalJSON())
        let personal = Data(referral.personal)
        let createdDay = routing.createdDate.map { CivilDate($0, in: .japan) } ?? dueDay
        // Insert first and look at the existing row only when the id is taken: a new referral,
        // the common case, costs one statement instead of two.
        try db.cachedStatement(sql: """
            INSERT INTO referral(id, from_agency, to_agency, created_at, created_day, submitted_at, due_day, needs,
                                 routing, personal, state, state_at, municipality, age_band)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?)
            ON CONFLICT(id) DO NOTHING
            """).execute(arguments: [
                routing.id.rawValue, routing.from.rawValue, routing.to.rawValue, routing.createdAt,
                createdDay.description, timestamp, dueDay.description,
                routing.needs.map(\.rawValue).joined(separator: ","),
                routingJSON, personal, timestamp, routing.municipality, routing.ageBand.rawValue,
            ])
        guard db.changesCount == 0 else {
            try appendEvent(referralSequence: db.lastInsertedRowID, state: .submitted, actor: routing.from, detail: nil)
            return .submitted(routing.id, .submitted, isNew: true)
        }
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT routing, personal, state FROM referral WHERE id = ?"),
            arguments: [routing.id.rawValue])!
        guard (existing["routing"] as Data) == routingJSON, (existing["personal"] as Data) == personal else {
            return .refused(ProtocolError(.conflict,
                "referral \(routing.id) was already submitted with other content: give a changed referral a new id"))
        }
        return .submitted(routing.id, HandoffState(rawValue: existing["state"])!, isNew: false)
    }

    private func transition(_ transition: Transition, _ id: ReferralID, by agency: AgencyID, detail: String?) throws -> StoreResult {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT seq, from_agency, to_agency, state, detail FROM referral WHERE id = ?"),
            arguments: [id.rawValue])
        else {
            return .refused(ProtocolError(.notFound, "no referral \(id) is known to the router"))
        }
        let sender = AgencyID(rawValue: row["from_agency"])!
        let destination = AgencyID(rawValue: row["to_agency"])!
        let party: Party
        switch agency {
        case destination: party = .destination
        case sender: party = .sender
        default:
            return .refused(ProtocolError(.wrongActor, "\(agency) is neither the sender nor the destination of referral \(id)"))
        }
        let state = HandoffState(rawValue: row["state"])!
        let referralSequence: Int64 = row["seq"]
        switch transition.check(from: state, by: party, detail: detail, currentDetail: row["detail"]) {
        case .failure(.wrongActor(_, let required)):
            return .refused(ProtocolError(.wrongActor,
                "only the \(required == .sender ? "sender (\(sender))" : "destination (\(destination))") may \(transition.verb) referral \(id)"))
        case .failure(.detailRequired):
            return .refused(ProtocolError(.detailRequired,
                "\(transition.verb) needs \(transition == .complete ? "an outcome" : "a reason"): give it and send again"))
        case .failure(.notAllowed(_, let from)):
            return .refused(ProtocolError(.invalidTransition,
                "referral \(id) is \(from.rawValue); it cannot be \(transition.target.rawValue) from there"))
        case .success(.repeatOfDone):
            if transition == .confirmDelivery { try clearRedelivery(referralSequence) }
            return .transitioned(transition, id, state, notices: [])
        case .success(.apply):
            if transition == .confirmDelivery { try clearRedelivery(referralSequence) }
        }
        let newState = transition.target
        try db.cachedStatement(sql: "UPDATE referral SET state = ?, state_at = ?, detail = COALESCE(?, detail) WHERE seq = ?")
            .execute(arguments: [newState.rawValue, timestamp, detail, referralSequence])
        let eventSequence = try appendEvent(referralSequence: referralSequence, state: newState, actor: agency, detail: detail)
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
    private func appendEvent(referralSequence: Int64, state: HandoffState, actor: AgencyID, detail: String?) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO event(referral_seq, state, actor, at, detail) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [referralSequence, state.rawValue, actor.rawValue, timestamp, detail])
        return db.lastInsertedRowID
    }
}

extension Transition {
    /// The verb a person would use, for error sentences.
    var verb: String {
        switch self {
        case .confirmDelivery: "confirm delivery of"
        case .accept: "accept"
        case .decline: "decline"
        case .complete: "complete"
        case .withdraw: "withdraw"
        }
    }
}

extension StoredReferral {
    init(row: Row) throws {
        let routing = try Routing.stored(in: row)
        self.init(
            sequence: row["seq"],
            referral: Referral(routing: routing, personal: Array(row["personal"] as Data)),
            state: HandoffState(rawValue: row["state"]) ?? .submitted,
            submittedAt: row["submitted_at"],
            dueDay: CivilDate(row["due_day"] as String) ?? CivilDate(year: 2000, month: 1, day: 1)!)
    }
}

extension StatusUpdate {
    init(row: Row) {
        self.init(
            sequence: row[0], referral: ReferralID(rawValue: row[1])!, state: HandoffState(rawValue: row[2])!,
            actor: AgencyID(rawValue: row[3])!, at: row[4], detail: row[5])
    }
}

func jsonBytesForStore<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Array(try! encoder.encode(value))
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
        let routingJSON: Data = row["routing"]
        guard let routing = Routing.decodeStored(json: Array(routingJSON)) else {
            throw StoreError("referral \(row["id"] as String) has unreadable routing in the store: run tsunagi store verify")
        }
        return routing
    }
}
