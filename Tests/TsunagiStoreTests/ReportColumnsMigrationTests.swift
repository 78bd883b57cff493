import Foundation
import GRDB
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

/// The v2 migration gives a store written before it the municipality and age band of every
/// referral (read from its routing JSON), so the period report counts old referrals too.
@Suite struct ReportColumnsMigrationTests {
    @Test func referralsStoredBeforeTheMigrationAreCountedByMunicipalityAndAgeBand() throws {
        let path = makeTemporaryDirectory("tsunagi-migration") + "/router.sqlite"
        var routing = SampleReferral.make(id: "old-1", from: "peer-support.kochi", to: "saposute.kochi").routing
        routing.municipality = "香美市"
        routing.ageBand = .forties
        do {
            // A store as the previous version left it: v1 only, one referral.
            let queue = try DatabaseQueue(path: path)
            try RouterSchema.migrator.migrate(queue, upTo: "v1: referrals, append-only events, notifications, ledger reports")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO referral(id, from_agency, to_agency, created_at, created_day, submitted_at, due_day, needs,
                                         routing, personal, state, state_at)
                    VALUES ('old-1', 'peer-support.kochi', 'saposute.kochi', ?, ?, ?, ?, 'employment', ?, x'00', 'accepted', ?)
                    """, arguments: [routing.createdAt, routing.createdDate.map { CivilDate($0, in: .japan).description },
                                     routing.createdAt, "2026-12-31", Data(routing.canonicalJSON()), routing.createdAt])
            }
        }
        let store = try RouterStore(path: path)
        defer { try? store.close() }
        let day = CivilDate(routing.createdDate!, in: .japan)
        let groups = try StoreReader(store: store).periodGroups(from: day, through: day)
        #expect(groups.map(\.municipality) == ["香美市"])
        #expect(groups.map(\.ageBand) == [.forties])
        #expect(groups.map(\.state) == [.accepted])
        // And a referral stored after it gets them from the write path.
        var fresh = SampleReferral.make(id: "new-1", from: "peer-support.kochi", to: "saposute.kochi")
        fresh.routing.municipality = "須崎市"
        _ = try store.apply([.submit(fresh, dueDay: CivilDate("2026-12-31")!)])
        let freshDay = CivilDate(fresh.routing.createdDate!, in: .japan)
        let after = try StoreReader(store: store).periodGroups(from: freshDay, through: freshDay)
        #expect(after.contains { $0.municipality == "須崎市" && $0.state == .submitted })
    }
}

/// The console's reads stay off the million closed referrals: SQLite's own plan for them on a real store.
@Suite struct ConsoleReadPlanTests {
    @Test func whatChangedSinceAMarkIsReadAlongTheEventKeyNotBySearchingReferrals() throws {
        let store = try RouterStore(path: makeTemporaryDirectory("tsunagi-plan") + "/router.sqlite")
        defer { try? store.close() }
        let plan = try store.queryPlan(StoreReader.changedDaysSQL.replacingOccurrences(of: "?", with: "0"))
        #expect(plan.contains { $0.contains("SEARCH event USING INTEGER PRIMARY KEY") }, "\(plan)")
        #expect(plan.contains { $0.contains("SEARCH referral USING INTEGER PRIMARY KEY") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }
}

extension RouterStore {
    /// SQLite's plan for `sql` on this store, one line per step.
    func queryPlan(_ sql: String) throws -> [String] {
        try pool.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String } }
    }
}
