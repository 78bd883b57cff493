import Foundation
import GRDB
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

/// The open referrals are indexed in arrival order, and everything reads them from there: the
/// views read them all, the router's delivery reads one destination's from its cursor on. SQLite's
/// own plans on a real store, and a store written before reads the same after the migrations.
@Suite struct OpenReferralIndexTests {
    @Test func deliveryReadsTheOpenReferralsFromItsCursorAndNoBacklogProbeScansReferrals() throws {
        let store = try RouterStore(path: makeTemporaryDirectory("tsunagi-open-plan") + "/router.sqlite")
        defer { try? store.close() }
        let delivery = try store.queryPlan(RouterStore.undeliveredSQL.replacingOccurrences(of: "?", with: "'saposute.kochi'"))
        #expect(delivery.contains { $0.hasPrefix("SEARCH referral USING INDEX referral_open (seq>?)") }, "\(delivery)")
        #expect(!delivery.contains { $0.hasPrefix("SCAN referral") || $0.hasPrefix("SCAN r ") }, "\(delivery)")
        for sql in RouterStore.backlogProbes {
            let probe = try store.queryPlan(sql.replacingOccurrences(of: "?", with: "'saposute.kochi'"))
            #expect(!probe.contains { $0.hasPrefix("SCAN referral") || $0.hasPrefix("SCAN r ") }, "\(probe)")
        }
    }

    @Test func aStoreWrittenByV5DeliversAndListsTheSameReferrals() throws {
        let path = makeTemporaryDirectory("tsunagi-open-migration") + "/router.sqlite"
        let states = ["submitted", "delivered", "accepted", "submitted", "undeliverable", "submitted"]
        let destinations = ["saposute.kochi", "saposute.kochi", "saposute.kochi", "welfare-office.aki", "saposute.kochi", "saposute.kochi"]
        do {
            // A store as v5 left it, its open referrals in the index keyed by destination.
            let queue = try DatabaseQueue(path: path)
            try RouterSchema.migrator.migrate(queue, upTo: "v5: the staff member who gave an answer, beside its event")
            try queue.write { db in
                for (number, (state, destination)) in zip(states, destinations).enumerated() {
                    let referral = SampleReferral.make(id: "old-\(number)", from: "peer-support.kochi", to: destination)
                    try db.execute(sql: """
                        INSERT INTO referral(id, from_agency, to_agency, created_at, created_day, submitted_at, due_day, needs,
                                             routing, personal, state, state_at, municipality, age_band)
                        VALUES (?, 'peer-support.kochi', ?, ?, '2026-11-26', ?, '2026-12-01', 'employment', ?, ?, ?, ?, '高知市', '30s')
                        """, arguments: ["old-\(number)", destination, referral.routing.createdAt, referral.routing.createdAt,
                                         Data(referral.routing.canonicalJSON()), Data(referral.personal), state, referral.routing.createdAt])
                }
            }
        }
        let store = try RouterStore(path: path)
        defer { try? store.close() }
        #expect(try store.undelivered(to: AgencyID("saposute.kochi"), afterSequence: 0, limit: 10).map(\.referral.id.rawValue)
                == ["old-0", "old-5"])
        #expect(try store.undelivered(to: AgencyID("saposute.kochi"), afterSequence: 1, limit: 10).map(\.referral.id.rawValue)
                == ["old-5"])
        #expect(try store.undelivered(to: AgencyID("welfare-office.aki"), afterSequence: 0, limit: 10).map(\.referral.id.rawValue)
                == ["old-3"])
        #expect(try store.undelivered(to: AgencyID("saposute.nankoku"), afterSequence: 0, limit: 10).isEmpty)
        let reader = StoreReader(store: store)
        #expect(try reader.openReferrals().map(\.id.rawValue) == ["old-0", "old-1", "old-3", "old-5"])
        #expect(try reader.openReferrals(includingUndeliverable: true).map(\.id.rawValue) == ["old-0", "old-1", "old-3", "old-4", "old-5"])
        let backlogs = try reader.destinationBacklogs(agencies: [])
        #expect(backlogs[AgencyID("saposute.kochi")].map { [$0.submitted, $0.delivered] } == [2, 1])
        #expect(backlogs[AgencyID("welfare-office.aki")].map { [$0.submitted, $0.delivered] } == [1, 0])
        #expect(backlogs.count == 2)
        // And what arrives after the split is delivered and listed with them, in arrival order.
        _ = try store.apply([.submit(SampleReferral.make(id: "new-1", from: "peer-support.kochi", to: "saposute.kochi"),
                                     dueDay: CivilDate("2026-12-31")!)])
        #expect(try store.undelivered(to: AgencyID("saposute.kochi"), afterSequence: 0, limit: 10).map(\.referral.id.rawValue)
                == ["old-0", "old-5", "new-1"])
        #expect(try reader.openReferrals().map(\.id.rawValue).last == "new-1")
    }
}
