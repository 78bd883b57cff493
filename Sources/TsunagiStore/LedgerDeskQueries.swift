import Foundation
import GRDB
import TsunagiCore

/// A received referral in the inbox list: the routing facts the list shows, without the person.
public struct InboxRow: Sendable, Hashable {
    public let id: ReferralID
    public let from: AgencyID
    public let createdDay: CivilDate
    public let receivedAt: String
    public let state: HandoffState
    public let needs: [Need]
    public let ageBand: AgeBand
    /// The due date the sender asked for, if any.
    public let requestedDueDate: CivilDate?
    public let queuedAnswer: Transition?
}

/// One page of the inbox: ids in order (with their due days), and the counts.
public struct InboxSlice: Sendable {
    public let waiting: [(id: String, dueDay: CivilDate)]
    /// The page these rows are (the last one when a later one was asked for).
    public let page: Int
    public let waitingCount: Int
    public let overdueCount: Int
    public let accepted: [String]
    public let acceptedCount: Int
}

/// The reads the agency's desk makes: one referral, the waiting list, the history. Each reads only
/// the rows and columns its page shows, so a page stays fast with a large ledger.
extension AgencyLedger {
    /// The referrals waiting for an answer, as the partial index `received_waiting_by_due` holds them.
    static let waitingCondition = "state IN ('submitted', 'delivered')"

    /// One page of the inbox straight from the index `received_waiting_by_due`, so that a page
    /// costs the same with ten thousand referrals as with ten: the unanswered ones by due day
    /// (overdue ones, due before `today`, come first), then arrival and id. Also the accepted ones
    /// (waiting for 完了), oldest first, up to `pageSize`. A read only: the worker gives each
    /// referral its due day when it records it (`fillDueDays`); one read before that (or stored as
    /// text that is no date) shows `dueRule`'s day from the day it was made.
    public func inboxPage(dueRule: AnswerDueRule, today: CivilDate, pageSize: Int, page: Int) throws -> InboxSlice {
        try pool.read { db in
            let waitingCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM received_referral WHERE \(Self.waitingCondition)") ?? 0
            let overdueCount = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM received_referral WHERE \(Self.waitingCondition) AND due_day < ?
                """, arguments: [today.description]) ?? 0
            let current = min(max(1, page), max(1, (waitingCount + pageSize - 1) / pageSize))
            let rows = try Row.fetchAll(db, sql: Self.inboxOrderSQL, arguments: [pageSize, (current - 1) * pageSize])
            let accepted = try String.fetchAll(db, sql: """
                SELECT id FROM received_referral WHERE state = 'accepted' ORDER BY received_at, id LIMIT ?
                """, arguments: [pageSize])
            let acceptedCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM received_referral WHERE state = 'accepted'") ?? 0
            let waiting = try rows.map { row in
                let place = "the ledger's " + StoredValue.referralPlace(row)
                let id = try StoredValue.text(row, "id", in: place)
                if let due = try StoredValue.optional(row, "due_day", in: place).flatMap(CivilDate.init) { return (id: id, dueDay: due) }
                // Not given its due day yet (or the sender's is no date): from the day it was made.
                guard let made = try Row.fetchOne(db, sql: "SELECT created_day FROM received_referral WHERE id = ?", arguments: [id]) else {
                    throw StoreError("the ledger's received referral \(id) disappeared while the inbox was read")
                }
                return (id: id, dueDay: dueRule.dueDay(madeOn: try StoredValue.parse(made, "created_day", in: place, CivilDate.init)))
            }
            return InboxSlice(
                waiting: waiting,
                page: current, waitingCount: waitingCount, overdueCount: overdueCount, accepted: accepted, acceptedCount: acceptedCount)
        }
    }

    /// The inbox's order: due day (overdue ones are the earliest), arrival, id; a page of it.
    static let inboxOrderSQL = """
        SELECT id, due_day FROM received_referral WHERE \(waitingCondition)
        ORDER BY due_day, received_at, id LIMIT ? OFFSET ?
        """

    /// Gives each referral waiting for an answer its due day: the sender's due date, or `rule`'s due
    /// day from the day it was made. Referrals recorded since the last call get theirs; when the rule
    /// is not the one the ledger's due days were computed with (the registry changed the agency's
    /// business days), every waiting referral's is computed again. A read when nothing is missing.
    /// The worker fills them as it records deliveries (`recordReceived(_:at:dueRule:)`); the desk
    /// calls this to catch up (a ledger from before the column, a change of business days).
    public func fillDueDays(_ rule: AnswerDueRule) throws {
        let key = rule.key
        let ruleSQL = "SELECT value FROM ledger_setting WHERE name = 'inbox_due_rule'"
        let missingSQL = "SELECT EXISTS (SELECT 1 FROM received_referral WHERE \(Self.waitingCondition) AND due_day IS NULL)"
        let upToDate = try pool.read { db in
            let stored = try String.fetchOne(db, sql: ruleSQL)
            let missing = try Bool.fetchOne(db, sql: missingSQL) ?? true
            return stored == key && !missing
        }
        if upToDate { return }
        try pool.write { try Self.fillDueDays($0, rule: rule) }
    }

    /// `fillDueDays` inside a transaction of the caller's (the worker's recording of deliveries).
    static func fillDueDays(_ db: Database, rule: AnswerDueRule) throws {
        let key = rule.key
        if try String.fetchOne(db, sql: "SELECT value FROM ledger_setting WHERE name = 'inbox_due_rule'") != key {
            try db.execute(sql: "UPDATE received_referral SET due_day = NULL WHERE \(Self.waitingCondition)")
            try db.execute(sql: """
                INSERT INTO ledger_setting(name, value) VALUES ('inbox_due_rule', ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value
                """, arguments: [key])
        }
        // One business-day count per distinct day (in Swift: the calendar is TsunagiCore's).
        var arguments: [any DatabaseValueConvertible] = []
        var values: [String] = []
        for day in try String.fetchAll(db, sql: """
            SELECT DISTINCT created_day FROM received_referral WHERE \(Self.waitingCondition) AND due_day IS NULL
            """).compactMap(CivilDate.init) {
            values.append("(?, ?)")
            arguments.append(day.description)
            arguments.append(rule.dueDay(madeOn: day).description)
        }
        if values.isEmpty { values.append("(NULL, NULL)") }
        // The sender's due date is parsed from the routing only when the bytes name one. A day
        // that is not a date (never written by this ledger) keeps its text, so that it is not
        // looked for again on every request.
        try db.execute(sql: """
            WITH due(day, due) AS (VALUES \(values.joined(separator: ", ")))
            UPDATE received_referral SET due_day = COALESCE(
                CASE WHEN instr(routing, CAST('"due_date"' AS BLOB)) > 0 THEN json_extract(CAST(routing AS TEXT), '$.due_date') END,
                (SELECT due.due FROM due WHERE due.day = received_referral.created_day),
                created_day)
            WHERE \(Self.waitingCondition) AND due_day IS NULL
            """, arguments: StatementArguments(arguments))
    }

    /// The inbox rows of some received referrals (the ones a page shows), in the order given.
    public func inboxRows(_ ids: [String]) throws -> [InboxRow] {
        guard !ids.isEmpty else { return [] }
        let rows = try pool.read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            return try Row.fetchAll(db, sql: """
                SELECT r.id, r.from_agency, r.created_day, r.received_at, r.state,
                       json_extract(CAST(r.routing AS TEXT), '$.needs') AS needs,
                       json_extract(CAST(r.routing AS TEXT), '$.age_band') AS age_band,
                       json_extract(CAST(r.routing AS TEXT), '$.due_date') AS due_date,
                       (SELECT action FROM answer a WHERE a.referral_id = r.id AND a.status = 'queued' ORDER BY seq DESC LIMIT 1) AS queued
                FROM received_referral r WHERE r.id IN (\(marks))
                """, arguments: StatementArguments(ids))
        }
        var byID: [String: InboxRow] = [:]
        for row in rows {
            guard let id = ReferralID(rawValue: row["id"]), let from = AgencyID(rawValue: row["from_agency"]),
                  let created = CivilDate(row["created_day"] as String) else { continue }
            // A JSON array of plain words, e.g. ["employment","place-to-belong"]: no decoder needed.
            let needsText: String = row["needs"] ?? "[]"
            let needs = needsText.split(whereSeparator: { $0 == "[" || $0 == "]" || $0 == "," || $0 == "\"" || $0 == " " })
                .compactMap { Need(rawValue: String($0)) }
            byID[id.rawValue] = InboxRow(
                id: id, from: from, createdDay: created, receivedAt: row["received_at"],
                state: HandoffState(rawValue: row["state"]) ?? .delivered, needs: needs,
                ageBand: (row["age_band"] as String?).flatMap(AgeBand.init(rawValue:)) ?? .unknown,
                requestedDueDate: (row["due_date"] as String?).flatMap(CivilDate.init),
                queuedAnswer: (row["queued"] as String?).flatMap(Transition.init(rawValue:)))
        }
        return ids.compactMap { byID[$0] }
    }

    /// The personal parts of some received referrals (for the rows a page shows), by id.
    public func receivedPersonalParts(_ ids: [ReferralID]) throws -> [ReferralID: [UInt8]] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var parts: [ReferralID: [UInt8]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, personal FROM received_referral WHERE id IN (\(marks))",
                                        arguments: StatementArguments(ids.map(\.rawValue))) {
                if let id = ReferralID(rawValue: row["id"]) { parts[id] = Array(row["personal"] as Data) }
            }
            return parts
        }
    }

    /// One received referral, or nil.
    public func receivedEntry(_ id: ReferralID) throws -> LedgerReferral? {
        try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT r.routing, r.personal, r.state, r.state_at, r.detail,
                       (SELECT action FROM answer a WHERE a.referral_id = r.id AND a.status = 'queued' ORDER BY seq DESC LIMIT 1) AS queued
                FROM received_referral r WHERE r.id = ?
                """, arguments: [id.rawValue]).map { row in
                LedgerReferral(referral: try Self.referral(from: row), direction: .received,
                               state: HandoffState(rawValue: row["state"]) ?? .delivered, stateAt: row["state_at"],
                               detail: row["detail"], acknowledged: true, refusal: nil, sourceFile: nil,
                               queuedAnswer: (row["queued"] as String?).flatMap(Transition.init(rawValue:)))
            }
        }
    }

    /// One sent referral, or nil.
    public func sentEntry(_ id: ReferralID) throws -> LedgerReferral? {
        try sentEntries(sql: "WHERE s.id = ?", arguments: [id.rawValue]).first
    }

    /// What this agency sent, newest first, at most `limit`; and how many there are in all.
    public func recentSent(limit: Int) throws -> (entries: [LedgerReferral], total: Int) {
        let entries = try sentEntries(sql: "ORDER BY s.recorded_at DESC, s.id DESC LIMIT ?", arguments: [limit])
        let total = try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sent_referral") ?? 0 }
        return (entries, total)
    }

    private func sentEntries(sql clause: String, arguments: StatementArguments) throws -> [LedgerReferral] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.routing, s.personal, s.state, s.state_at, s.detail, s.acknowledged, s.refusal, s.refusal_code, s.source_file,
                       (SELECT action FROM answer a WHERE a.referral_id = s.id AND a.status = 'queued' ORDER BY seq DESC LIMIT 1) AS queued
                FROM sent_referral s \(clause)
                """, arguments: arguments).map { row in
                let referral = try Self.referral(from: row)
                var entry = LedgerReferral(referral: referral, direction: .sent,
                                           state: try StoredValue.parse(row, "state", in: "the ledger's sent referral \(referral.id)", HandoffState.init(rawValue:)), stateAt: row["state_at"],
                                           detail: row["detail"], acknowledged: row["acknowledged"] as Bool, refusal: row["refusal"],
                                           sourceFile: row["source_file"],
                                           queuedAnswer: (row["queued"] as String?).flatMap(Transition.init(rawValue:)))
                entry.refusalCode = row["refusal_code"]
                return entry
            }
        }
    }

    /// The referral's history in this ledger, oldest first.
    public func events(for id: ReferralID) throws -> [LedgerEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT state, actor, staff, at, detail FROM local_event WHERE referral_id = ? ORDER BY at, seq",
                             arguments: [id.rawValue]).map { row in
                guard let state = HandoffState(rawValue: row["state"]) else {
                    throw StoreError("ledger event of \(id) has an unknown state: run the ledger's integrity check")
                }
                return LedgerEvent(state: state, actor: AgencyID(rawValue: row["actor"]), staff: row["staff"],
                                   at: row["at"], detail: row["detail"])
            }
        }
    }

    /// The router's refusals of this referral's answers (its code and sentence), newest first.
    public func refusedAnswers(for id: ReferralID) throws -> [(transition: Transition, code: Int?, sentence: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT action, error, error_code FROM answer WHERE referral_id = ? AND status = 'refused' ORDER BY answered_at DESC",
                             arguments: [id.rawValue]).compactMap { row in
                guard let transition = Transition(rawValue: row["action"]) else { return nil }
                return (transition, row["error_code"], row["error"] ?? "")
            }
        }
    }
}
