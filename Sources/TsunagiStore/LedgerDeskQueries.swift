import Foundation
import GRDB
import TsunagiCore

/// One line of a referral's history in an agency's ledger.
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
    public let waitingCount: Int
    public let overdueCount: Int
    public let accepted: [String]
    public let acceptedCount: Int
}

/// The reads the agency's desk makes: one referral, the waiting list, the history. Each reads only
/// the rows and columns its page shows, so a page stays fast with a large ledger.
extension AgencyLedger {
    /// The newest local event's number: it grows with every change to a referral in this ledger, so
    /// a view computed at one value holds until it moves.
    public func changeMark() throws -> Int64 {
        try pool.read { try Int64.fetchOne($0, sql: "SELECT COALESCE(MAX(seq), 0) FROM local_event") ?? 0 }
    }

    /// The days on which the referrals still waiting for this agency were created (for their due dates).
    public func inboxCreatedDays() throws -> [CivilDate] {
        try pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT created_day FROM received_referral WHERE state IN ('submitted', 'delivered', 'accepted')
                """).compactMap(CivilDate.init)
        }
    }

    /// One page of the inbox, ordered in SQL so that a page costs the same with ten thousand
    /// referrals as with ten: the unanswered ones, overdue first (due before `today`), then by due
    /// day and arrival; `dueByCreatedDay` gives the due day of a referral whose sender set none.
    /// Also the accepted ones (waiting for 完了), oldest first, up to `limit`.
    public func inboxPage(dueByCreatedDay: [CivilDate: CivilDate], today: CivilDate, limit: Int, offset: Int) throws -> InboxSlice {
        try pool.read { db in
            var arguments: [any DatabaseValueConvertible] = []
            var values: [String] = []
            for (day, due) in dueByCreatedDay {
                values.append("(?, ?)")
                arguments.append(day.description)
                arguments.append(due.description)
            }
            if values.isEmpty { values.append("(NULL, NULL)") }
            let waiting = """
                WITH due(day, due) AS (VALUES \(values.joined(separator: ", "))),
                waiting AS (
                    SELECT r.id, r.received_at,
                           -- Parse the routing only when the sender set a due date (a byte search first).
                           COALESCE(CASE WHEN instr(r.routing, CAST('"due_date"' AS BLOB)) > 0
                                         THEN json_extract(CAST(r.routing AS TEXT), '$.due_date') END, due.due) AS due_day
                    FROM received_referral r LEFT JOIN due ON due.day = r.created_day
                    WHERE r.state IN ('submitted', 'delivered'))
                """
            // One pass: the counts ride along as window aggregates over all the rows.
            let page = try Row.fetchAll(db, sql: waiting + """
                 SELECT id, due_day, COUNT(*) OVER () AS total, SUM(due_day < ?) OVER () AS overdue FROM waiting
                 ORDER BY due_day < ? DESC, due_day, received_at, id LIMIT ? OFFSET ?
                """, arguments: StatementArguments(arguments + [today.description, today.description, limit, offset]))
            var counts = page.first.map { (total: $0["total"] as Int, overdue: $0["overdue"] as Int? ?? 0) }
            if counts == nil, offset > 0 {
                // Past the last page: count without the rows.
                let row = try Row.fetchOne(db, sql: waiting + " SELECT COUNT(*), COALESCE(SUM(due_day < ?), 0) FROM waiting",
                                           arguments: StatementArguments(arguments + [today.description]))
                counts = (row?[0] ?? 0, row?[1] ?? 0)
            }
            let accepted = try String.fetchAll(db, sql: """
                SELECT id FROM received_referral WHERE state = 'accepted' ORDER BY received_at, id LIMIT ?
                """, arguments: [limit])
            let acceptedCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM received_referral WHERE state = 'accepted'") ?? 0
            return InboxSlice(
                waiting: page.compactMap { row in
                    (row[1] as String?).flatMap(CivilDate.init).map { (id: row[0] as String, dueDay: $0) }
                },
                waitingCount: counts?.total ?? 0, overdueCount: counts?.overdue ?? 0, accepted: accepted, acceptedCount: acceptedCount)
        }
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
