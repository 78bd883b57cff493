import Foundation
import GRDB
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

/// The v5 migration adds the staff member to the router's events: a store written before it
/// keeps its events (with no name), and answers applied after it keep the name they carried.
@Suite struct StaffColumnMigrationTests {
    @Test func eventsStoredBeforeTheMigrationHaveNoNameAndNewAnswersKeepTheirs() throws {
        let path = makeTemporaryDirectory("tsunagi-staff-migration") + "/router.sqlite"
        let referral = SampleReferral.make(id: "old-2", from: "peer-support.kochi", to: "saposute.kochi")
        let destination = AgencyID("saposute.kochi")
        do {
            // A store as the previous version left it (v2), with a referral delivered and its events.
            let queue = try DatabaseQueue(path: path)
            try RouterSchema.migrator.migrate(queue, upTo: "v2: municipality and age band beside the day, for the period report")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO referral(id, from_agency, to_agency, created_at, created_day, submitted_at, due_day, needs,
                                         routing, personal, state, state_at)
                    VALUES ('old-2', 'peer-support.kochi', 'saposute.kochi', ?, '2026-11-26', ?, '2026-12-31', 'employment', ?, x'00', 'delivered', ?)
                    """, arguments: [referral.routing.createdAt, referral.routing.createdAt, Data(referral.routing.canonicalJSON()),
                                     referral.routing.createdAt])
                try db.execute(sql: """
                    INSERT INTO event(referral_seq, state, actor, at) VALUES (1, 'submitted', 'peer-support.kochi', '2026-11-26T00:30:00.000Z'),
                                                                          (1, 'delivered', 'saposute.kochi', '2026-11-26T00:30:01.000Z')
                    """)
            }
        }
        let store = try RouterStore(path: path)
        defer { try? store.close() }
        #expect(try store.verify().isEmpty)
        let results = try store.apply([.transition(.accept, referral.id, by: destination, detail: nil, staff: "tanaka")])
        guard case .transitioned(_, _, .accepted, _) = results.first else {
            Issue.record("the acceptance was not applied: \(results)")
            return
        }
        // A repeat naming someone else is the same answer: nothing new, the first name stays.
        _ = try store.apply([.transition(.accept, referral.id, by: destination, detail: nil, staff: "yamada")])
        let history = try StoreReader(store: store).history(of: referral.id)
        #expect(history.map(\.state) == [.submitted, .delivered, .accepted])
        #expect(history.map(\.staff) == [nil, nil, "tanaka"])
    }
}
