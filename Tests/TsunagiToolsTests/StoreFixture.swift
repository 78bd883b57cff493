import Foundation
import TsunagiCore
import TsunagiStore

/// A real router store in a fresh temporary folder, filled through `RouterStore.apply` as the
/// router itself fills it.
final class StoreFixture {
    let directory: String
    let path: String
    let store: RouterStore

    init() throws {
        directory = NSTemporaryDirectory() + "tsunagi-tools-\(UUID().uuidString)"
        path = directory + "/router.sqlite"
        store = try RouterStore(path: path)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var reader: StoreReader { get throws { try StoreReader(path: path) } }

    static func routing(_ id: String, from: String, to: String, created: CivilDate, hour: Int = 10,
                        needs: [Need] = [.employment], municipality: String = "須崎市", ageBand: AgeBand = .twenties) -> Routing {
        let hh = hour < 10 ? "0\(hour)" : "\(hour)"
        return Routing(
            id: ReferralID(rawValue: id)!, from: AgencyID(rawValue: from)!, to: AgencyID(rawValue: to)!,
            createdAt: "\(created)T\(hh):00:00+09:00", needs: needs, ageBand: ageBand, sex: .unknown,
            municipality: municipality, consent: Consent(basis: .person, obtainedOn: created, recordedBy: "相談員A"))
    }

    /// Submits a referral and walks it to `state` with the right actors; returns it.
    @discardableResult
    func add(_ id: String, from: String, to: String, created: CivilDate, state: HandoffState, due: CivilDate? = nil,
             outcome: String = "就職", needs: [Need] = [.employment], municipality: String = "須崎市",
             ageBand: AgeBand = .twenties, at now: Date = Date()) throws -> Routing {
        let routing = Self.routing(id, from: from, to: to, created: created, needs: needs, municipality: municipality, ageBand: ageBand)
        let results = try store.apply(Self.requests(routing, state: state, due: due, outcome: outcome), at: now)
        for result in results { if case .refused(let error) = result { throw StoreError("fixture refused: \(error)") } }
        return routing
    }

    /// The requests that submit `routing` and walk it to `state`. `withdrawnBeforeDelivery` withdraws
    /// from submitted (the destination never held it).
    static func requests(_ routing: Routing, state: HandoffState, due: CivilDate? = nil, outcome: String = "就職",
                         withdrawnBeforeDelivery: Bool = false) -> [StoreRequest] {
        let created = CivilDate(routing.createdDate!, in: .japan)
        let sender = routing.from, destination = routing.to
        var requests: [StoreRequest] = [.submit(Referral(routing: routing, personal: Array("{\"name\":\"山田\"}".utf8)),
                                                 dueDay: due ?? created.adding(days: 3))]
        let path: [(Transition, AgencyID, String?)]
        switch state {
        case .submitted: path = []
        case .delivered: path = [(.confirmDelivery, destination, nil)]
        case .accepted: path = [(.confirmDelivery, destination, nil), (.accept, destination, nil)]
        case .declined: path = [(.confirmDelivery, destination, nil), (.decline, destination, "対象年齢外")]
        case .completed: path = [(.confirmDelivery, destination, nil), (.accept, destination, nil), (.complete, destination, outcome)]
        case .withdrawn:
            path = (withdrawnBeforeDelivery ? [] : [(.confirmDelivery, destination, nil)]) + [(.withdraw, sender, "本人の希望")]
        }
        requests += path.map { StoreRequest.transition($0.0, routing.id, by: $0.1, detail: $0.2) }
        return requests
    }

    func report(_ agency: String, day: CivilDate, _ entries: [LedgerEntry]) throws {
        _ = try store.apply([.report(LedgerReport(agency: AgencyID(rawValue: agency)!, day: day,
                                                  generatedAt: "\(day.adding(days: 1))T01:00:00+09:00", entries: entries))])
    }
}

extension LedgerEntry {
    static func sent(_ id: String, to: String, _ state: HandoffState) -> LedgerEntry {
        LedgerEntry(referral: ReferralID(rawValue: id)!, counterpart: AgencyID(rawValue: to)!, direction: .sent, state: state)
    }

    static func received(_ id: String, from: String, _ state: HandoffState) -> LedgerEntry {
        LedgerEntry(referral: ReferralID(rawValue: id)!, counterpart: AgencyID(rawValue: from)!, direction: .received, state: state)
    }
}

func date(_ text: String) -> CivilDate { CivilDate(text)! }
