import Foundation
import GRDB
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

/// The inbox's order comes from each waiting referral's due day kept in the ledger (the sender's
/// due date, or the agency's business days from the day it was made) and its index: overdue first,
/// then by due day, arrival and id. "Today" is 2026-12-02, a Wednesday; 11-23 is a holiday.
@Suite struct LedgerInboxOrderTests {
    static let today = CivilDate(year: 2026, month: 12, day: 2)!
    static let threeDays = AnswerDueRule(businessDays: 3)

    static func referral(_ id: String, made: String, due: String? = nil) throws -> Referral {
        let dueField = due.map { #", "due_date": "\#($0)""# } ?? ""
        let routing = """
            {"id": "\(id)", "from": "peer-support.kochi", "to": "saposute.kochi", "created_at": "\(made)T10:00:00+09:00",
             "needs": ["employment"], "age_band": "20s", "sex": "male", "municipality": "須崎市",
             "consent": {"basis": "person", "obtained_on": "2026-11-01", "recorded_by": "相談員A"}\(dueField)}
            """
        return Referral(routing: try Routing.decode(json: Array(routing.utf8)), personal: Array(#"{"name": "テスト"}"#.utf8))
    }

    static func arrival(_ minute: Int) -> Date {
        Date(timeIntervalSince1970: 1_796_000_000 + Double(minute) * 60)
    }

    /// Referrals with and without the sender's due date, overdue and not, ties on the due day.
    static func fill(_ ledger: AgencyLedger) throws {
        _ = try ledger.recordReceived([
            // Made on Friday 11-20: 3 business days (past the holiday) is 11-26, overdue.
            try referral("IN-A", made: "2026-11-20"),
            // The sender asked for 11-25: overdue, and earlier than IN-A.
            try referral("IN-B", made: "2026-11-18", due: "2026-11-25"),
            // Due 12-10 by the sender: not overdue.
            try referral("IN-C", made: "2026-11-30", due: "2026-12-10"),
            // Due today by the sender: not overdue yet.
            try referral("IN-G", made: "2026-11-26", due: "2026-12-02"),
            // Accepted: not in the waiting list.
            try referral("IN-F", made: "2026-11-20"),
        ], at: arrival(0))
        // Made on Tuesday 12-01: due 12-04; the sender of IN-E asked for the same day. Same arrival: by id.
        _ = try ledger.recordReceived([try referral("IN-E", made: "2026-11-30", due: "2026-12-04"),
                                   try referral("IN-D", made: "2026-12-01")], at: arrival(1))
        // Due 12-04 too, arrived later: after both, though its id sorts first.
        try ledger.recordReceived(try referral("IN-0", made: "2026-12-01"), at: arrival(2))
        try ledger.apply(StatusUpdate(sequence: 1, referral: ReferralID(rawValue: "IN-F")!, state: .accepted, actor: AgencyID("saposute.kochi"),
                                      at: "2026-12-01T01:00:00.000Z", detail: nil))
    }

    /// As the worker and the desk read the inbox: due days given, then the page.
    static func page(_ ledger: AgencyLedger, dueRule: AnswerDueRule, today: CivilDate, pageSize: Int, page: Int) throws -> InboxSlice {
        try ledger.fillDueDays(dueRule)
        return try ledger.inboxPage(dueRule: dueRule, today: today, pageSize: pageSize, page: page)
    }

    @Test func aReferralReadBeforeItsDueDayIsStoredShowsTheDayComputedFromWhenItWasMade() throws {
        let ledger = try AgencyLedger(path: makeTemporaryDirectory("tsunagi-inbox-unfilled") + "/ledger.sqlite")
        try ledger.recordReceived(try Self.referral("IN-N", made: "2026-12-01"), at: Self.arrival(0))
        try ledger.recordReceived(try Self.referral("IN-S", made: "2026-11-30", due: "2026-12-09"), at: Self.arrival(1))
        let slice = try ledger.inboxPage(dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1)
        // Without the stored due day even the sender's is not read: both count from the day made.
        #expect(Set(Self.order(slice)) == ["IN-N 2026-12-04", "IN-S 2026-12-03"])
        #expect(Self.order(try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1))
                == ["IN-N 2026-12-04", "IN-S 2026-12-09"])
    }

    @Test func theWorkerRecordsADeliveryWithItsDueDayInOneTransaction() throws {
        let ledger = try AgencyLedger(path: makeTemporaryDirectory("tsunagi-inbox-recorded") + "/ledger.sqlite")
        _ = try ledger.recordReceived([try Self.referral("IN-R", made: "2026-11-30", due: "2026-12-09"),
                                       try Self.referral("IN-Q", made: "2026-12-01")], at: Self.arrival(0), dueRule: Self.threeDays)
        // Read without any catch-up: the due days are stored already.
        #expect(Self.order(try ledger.inboxPage(dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1))
                == ["IN-Q 2026-12-04", "IN-R 2026-12-09"])
    }

    static func order(_ slice: InboxSlice) -> [String] {
        slice.waiting.map { "\($0.id) \($0.dueDay)" }
    }

    @Test func overdueFirstThenByDueDayArrivalAndIDWithAndWithoutTheSendersDueDate() throws {
        let ledger = try AgencyLedger(path: makeTemporaryDirectory("tsunagi-inbox-order") + "/ledger.sqlite")
        try Self.fill(ledger)
        let slice = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1)
        #expect(Self.order(slice) == ["IN-B 2026-11-25", "IN-A 2026-11-26", "IN-G 2026-12-02", "IN-D 2026-12-04",
                                      "IN-E 2026-12-04", "IN-0 2026-12-04", "IN-C 2026-12-10"])
        #expect(slice.waitingCount == 7)
        #expect(slice.overdueCount == 2)
        #expect(slice.accepted == ["IN-F"])
        #expect(slice.acceptedCount == 1)

        // Pages of three; a page past the end is the last one.
        let second = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 3, page: 2)
        #expect(second.page == 2)
        #expect(second.waiting.map(\.id) == ["IN-D", "IN-E", "IN-0"])
        let beyond = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 3, page: 9)
        #expect(beyond.page == 3)
        #expect(beyond.waiting.map(\.id) == ["IN-C"])

        // A referral recorded after the list was read gets its due day on the next read:
        // made on Wednesday 12-02, due Monday 12-07.
        try ledger.recordReceived(try Self.referral("IN-H", made: "2026-12-02"), at: Self.arrival(3))
        let later = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1)
        #expect(Self.order(later).suffix(2) == ["IN-H 2026-12-07", "IN-C 2026-12-10"])

        // An answered referral leaves the list; the day moving on makes more of them overdue.
        try ledger.apply(StatusUpdate(sequence: 2, referral: ReferralID(rawValue: "IN-B")!, state: .declined, actor: AgencyID("saposute.kochi"),
                                      at: "2026-12-02T01:00:00.000Z", detail: "定員"))
        let friday = try Self.page(ledger, dueRule: Self.threeDays, today: CivilDate(year: 2026, month: 12, day: 4)!, pageSize: 100, page: 1)
        #expect(friday.waiting.first?.id == "IN-A")
        #expect(friday.waitingCount == 7)
        #expect(friday.overdueCount == 2)
    }

    @Test func anotherNumberOfBusinessDaysComputesTheDueDaysAgain() throws {
        let ledger = try AgencyLedger(path: makeTemporaryDirectory("tsunagi-inbox-rule") + "/ledger.sqlite")
        try Self.fill(ledger)
        _ = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1)
        // Five business days: 11-20 → 11-30, 12-01 → 12-08; the senders' dates stay.
        let five = try Self.page(ledger, dueRule: AnswerDueRule(businessDays: 5), today: Self.today, pageSize: 100, page: 1)
        #expect(Self.order(five) == ["IN-B 2026-11-25", "IN-A 2026-11-30", "IN-G 2026-12-02", "IN-E 2026-12-04",
                                     "IN-D 2026-12-08", "IN-0 2026-12-08", "IN-C 2026-12-10"])
        #expect(five.overdueCount == 2)
    }

    @Test func thePageIsReadInOrderFromTheIndexWithoutSorting() throws {
        let path = makeTemporaryDirectory("tsunagi-inbox-plan") + "/ledger.sqlite"
        let ledger = try AgencyLedger(path: path)
        try Self.fill(ledger)
        _ = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1)
        let queue = try DatabaseQueue(path: path)
        let plan = try queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + AgencyLedger.inboxOrderSQL, arguments: [100, 0])
                .map { $0["detail"] as String }.joined(separator: "\n")
        }
        #expect(plan.contains("USING COVERING INDEX received_waiting_by_due"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
    }

    /// A ledger written by the previous version (schema v4) gets its waiting referrals' due days
    /// when it is first read after the migration, as the inbox computed them before.
    @Test func aLedgerOfThePreviousVersionGetsItsDueDays() throws {
        let path = makeTemporaryDirectory("tsunagi-inbox-migration") + "/ledger.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try LedgerSchema.migrator.migrate(queue, upTo: "v4: the staff member who gave an answer")
            try queue.write { db in
                for (referral, state) in [(try Self.referral("OLD-A", made: "2026-11-20"), "delivered"),
                                          (try Self.referral("OLD-B", made: "2026-11-18", due: "2026-11-25"), "delivered"),
                                          (try Self.referral("OLD-C", made: "2026-12-01"), "submitted"),
                                          (try Self.referral("OLD-D", made: "2026-11-30", due: "2026-12-10"), "delivered"),
                                          (try Self.referral("OLD-F", made: "2026-11-19"), "accepted")] {
                    try db.execute(sql: """
                        INSERT INTO received_referral(id, from_agency, created_at, created_day, routing, personal, received_at,
                                                      state, state_at)
                        VALUES (?, 'peer-support.kochi', ?, ?, ?, x'7b7d', '2026-12-01T01:00:00.000Z', ?, '2026-12-01T01:00:00.000Z')
                        """, arguments: [referral.id.rawValue, referral.routing.createdAt,
                                         String(referral.routing.createdAt.prefix(10)), Data(referral.routing.canonicalJSON()), state])
                }
            }
        }
        let ledger = try AgencyLedger(path: path)
        let slice = try Self.page(ledger, dueRule: Self.threeDays, today: Self.today, pageSize: 100, page: 1)
        #expect(Self.order(slice) == ["OLD-B 2026-11-25", "OLD-A 2026-11-26", "OLD-C 2026-12-04", "OLD-D 2026-12-10"])
        #expect(slice.overdueCount == 2)
        #expect(slice.accepted == ["OLD-F"])
        let columns = try DatabaseQueue(path: path).read { db in try db.columns(in: "received_referral").map(\.name) }
        #expect(columns.contains("due_day"))
    }
}
