import Foundation
import Testing
@testable import TsunagiCore

@Suite("Canonical routing JSON")
struct CanonicalJSONTests {
    static let routing = Routing(
        id: ReferralID(rawValue: "pk-1")!, from: AgencyID("peer-support.kochi"), to: AgencyID("saposute.kochi"),
        createdAt: "2026-11-26T09:30:00+09:00", needs: [.employment, .placeToBelong], ageBand: .twenties, sex: .female,
        municipality: "高知市 \"中央\"\\\n\t\u{01}", consent: Consent(basis: .supportMeeting, obtainedOn: CivilDate("2026-11-20")!, recordedBy: "相談員/A"),
        dueDate: CivilDate("2026-12-01"))

    @Test("it is what JSONEncoder writes with sorted keys, byte for byte")
    func matchesFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for routing in [Self.routing, { var r = Self.routing; r.dueDate = nil; return r }()] {
            let foundation = Array(try encoder.encode(routing))
            #expect(String(decoding: routing.canonicalJSON(), as: UTF8.self) == String(decoding: foundation, as: UTF8.self))
        }
    }

    @Test("it decodes back to the same routing")
    func roundTrip() throws {
        #expect(try Routing.decode(json: Self.routing.canonicalJSON()) == Self.routing)
    }
}
