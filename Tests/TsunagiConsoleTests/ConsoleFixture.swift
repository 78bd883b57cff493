import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTestSupport
import TsunagiTools
@testable import TsunagiConsole

/// A store with a few referrals in every state, the seed registry's names and regions, and a
/// fixed "today", for the console's page and route tests. Every personal part carries a planted
/// name that no page may ever show.
struct ConsoleFixture {
    static let plantedName = "秘密 花子"
    static let plantedContact = "090-1234-5678"
    /// Thursday 2026-12-03 in Japan.
    static let today = CivilDate("2026-12-03")!

    let directory: String
    let storePath: String
    let registry: AgencyDirectory

    init() throws {
        directory = makeTemporaryDirectory("tsunagi-console")
        storePath = "\(directory)/data/router/router.sqlite"
        try FileManager.default.createDirectory(atPath: "\(directory)/data/router", withIntermediateDirectories: true)
        let registryPath = "\(directory)/agencies.toml"
        let workers = SeedAgencies.withWorkers.map(\.id)
        try ConsoleBench.seedRegistry(workers: Set(workers)).write(toFile: registryPath, atomically: true, encoding: .utf8)
        registry = try AgencyDirectory.load(path: registryPath)
        let store = try RouterStore(path: storePath)
        defer { try? store.close() }
        var requests: [StoreRequest] = []
        func referral(_ id: String, _ from: String, _ to: String, created: String, due: String) {
            var made = SampleReferral.make(id: id, from: from, to: to,
                                           personal: #"{"name":"\#(Self.plantedName)","contact":"\#(Self.plantedContact)"}"#)
            made.routing.createdAt = "\(created)T10:00:00+09:00"
            requests.append(.submit(made, dueDay: CivilDate(due)!))
        }
        // Overdue, waiting at the router for 須崎福祉保健所 (高幡).
        referral("SK-20261120-01", "saposute.kochi", "welfare-office.susaki", created: "2026-11-20", due: "2026-11-25")
        // Delivered to 幡多福祉保健所 (幡多), not yet due.
        referral("PS-20261202-01", "peer-support.kochi", "welfare-office.hata", created: "2026-12-02", due: "2026-12-04")
        requests.append(.transition(.confirmDelivery, ReferralID(rawValue: "PS-20261202-01")!, by: AgencyID("welfare-office.hata"), detail: nil))
        // Submitted to こうち若者サポートステーション (中央), due today.
        referral("PS-20261201-02", "peer-support.hata", "saposute.kochi", created: "2026-12-01", due: "2026-12-03")
        // Declined and completed ones: not unacknowledged.
        referral("SK-20261102-01", "saposute.kochi", "employment-base.chubu", created: "2026-11-02", due: "2026-11-09")
        requests.append(.transition(.decline, ReferralID(rawValue: "SK-20261102-01")!, by: AgencyID("employment-base.chubu"), detail: "対象年齢外"))
        referral("PS-20261105-01", "peer-support.kochi", "saposute.kochi", created: "2026-11-05", due: "2026-11-10")
        requests.append(.transition(.accept, ReferralID(rawValue: "PS-20261105-01")!, by: AgencyID("saposute.kochi"), detail: nil, staff: "tanaka"))
        requests.append(.transition(.complete, ReferralID(rawValue: "PS-20261105-01")!, by: AgencyID("saposute.kochi"), detail: "就職"))
        _ = try store.apply(requests)
    }

    func data() throws -> ConsoleData {
        try ConsoleData(storePath: storePath, directory: registry, today: { ConsoleFixture.today })
    }

    /// A referral 須崎福祉保健所's worker could not open (waiting for こうち若者サポートステーション to seal it again).
    func addUndeliverable(_ id: String) throws {
        let store = try RouterStore(path: storePath)
        defer { try? store.close() }
        var made = SampleReferral.make(id: id, from: "saposute.kochi", to: "welfare-office.susaki", personal: #"{"name":"\#(Self.plantedName)"}"#)
        made.routing.createdAt = "2026-11-27T09:00:00+09:00"
        let results = try store.apply([.submit(made, dueDay: CivilDate("2026-12-02")!),
                                       .transition(.undeliverable, made.id, by: AgencyID("welfare-office.susaki"), detail: "433 cannot-open")])
        for result in results { if case .refused(let error) = result { throw StoreError("fixture refused: \(error)") } }
    }

    /// Adds one more referral while the console runs (a live update's cause).
    func submit(_ id: String, from: String, to: String) throws {
        let store = try RouterStore(path: storePath)
        defer { try? store.close() }
        var made = SampleReferral.make(id: id, from: from, to: to, personal: #"{"name":"\#(Self.plantedName)"}"#)
        made.routing.createdAt = "2026-12-03T09:00:00+09:00"
        _ = try store.apply([.submit(made, dueDay: CivilDate("2026-12-08")!)])
    }
}
