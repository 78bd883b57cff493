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

@Suite("Fast routing decoder")
struct RoutingFastDecoderTests {
    /// A routing without escapes in its canonical JSON, and that JSON as text to edit.
    static func plainDocument() -> (Routing, String) {
        var plain = CanonicalJSONTests.routing
        plain.municipality = "高知市"
        return (plain, String(decoding: plain.canonicalJSON(), as: UTF8.self))
    }

    @Test("decodes what JSONDecoder decodes, to the same value")
    func agreesWithJSONDecoder() throws {
        var plain = CanonicalJSONTests.routing
        plain.municipality = "高知市"
        let documents = [
            plain.canonicalJSON(),
            Array(#"""
            { "id": "x-1", "from": "saposute.kochi", "to": "welfare-office.aki", "created_at": "2026-11-26T09:30:00+09:00",
              "needs": ["medical", "other"], "age_band": "60s+", "sex": "male", "municipality": "須崎市",
              "consent": {"basis": "vital-interest", "obtained_on": "2026-11-26", "recorded_by": "保健師B", "note": 3},
              "due_date": null, "extra": [1, true, {"a": null}] }
            """#.utf8),
        ]
        for document in documents {
            let fast = try #require(RoutingFastDecoder.decode(document))
            #expect(fast == (try JSONDecoder().decode(Routing.self, from: Data(document))))
        }
    }

    @Test("a document with escapes decodes as JSONDecoder decodes it")
    func escapes() throws {
        let document = CanonicalJSONTests.routing.canonicalJSON()
        #expect(RoutingFastDecoder.decode(document) == CanonicalJSONTests.routing)
        #expect(try JSONDecoder().decode(Routing.self, from: Data(document)) == CanonicalJSONTests.routing)
        var routing = CanonicalJSONTests.routing
        routing.municipality = "高知市"
        routing.consent.recordedBy = "相談員/A"
        #expect(try Routing.decode(json: routing.canonicalJSON()) == routing)
    }

    @Test("a key written with escapes is left to JSONDecoder, which reads it as the member it names")
    func escapedKeys() throws {
        let (plain, text) = Self.plainDocument()
        // "\u0069d" is "id": taken for an unknown member, the document would lack its id, or
        // with a second "id" be read differently from JSONDecoder.
        for escaped in [text.replacingOccurrences(of: #""id":"#, with: #""\u0069d":"#),
                        text.replacingOccurrences(of: #""sex":"#, with: #""s\u0065x":"#)] {
            let bytes = Array(escaped.utf8)
            #expect(RoutingFastDecoder.decode(bytes) == nil, "\(escaped)")
            #expect(try Routing.decode(json: bytes) == plain)
        }
        let twice = text.replacingOccurrences(of: #"{"age_band""#, with: #"{"\u0069d":"other-1","age_band""#)
        #expect(RoutingFastDecoder.decode(Array(twice.utf8)) == nil)
    }

    @Test("a member the router ignores, written twice, is left to JSONDecoder, in the routing part and in its consent")
    func duplicateUnknownMembers() throws {
        let (_, text) = Self.plainDocument()
        for twice in [text.replacingOccurrences(of: #"{"age_band""#, with: #"{"note":1,"note":2,"age_band""#),
                      text.replacingOccurrences(of: #"{"basis""#, with: #"{"note":1,"note":[],"basis""#)] {
            #expect(twice != text)
            let bytes = Array(twice.utf8)
            #expect(RoutingFastDecoder.decode(bytes) == nil, "\(twice)")
            let reference = (try? JSONDecoder().decode(Routing.self, from: Data(bytes)))
            #expect((try? Routing.decode(json: bytes)) == reference)
        }
    }

    @Test("a member the router reads, written twice, is left to JSONDecoder")
    func duplicateKnownMembers() throws {
        let (_, text) = Self.plainDocument()
        for twice in [text.replacingOccurrences(of: #"{"age_band""#, with: #"{"sex":"male","age_band""#),
                      text.replacingOccurrences(of: #"{"age_band""#, with: #"{"due_date":null,"age_band""#),
                      text.replacingOccurrences(of: #"{"basis""#, with: #"{"recorded_by":"X","basis""#)] {
            #expect(twice != text)
            #expect(RoutingFastDecoder.decode(Array(twice.utf8)) == nil, "\(twice)")
        }
    }

    @Test("leaves anything unusual to JSONDecoder", arguments: [
        #"{"id":"a"}"#, #"{"id":"a","id":"b"}"#, #"[1,2]"#, #"{"needs":"x"}"#, "{", "",
        #"{"id": 12}"#, #"{"x":1,"x":2}"#,
    ])
    func declines(_ text: String) {
        #expect(RoutingFastDecoder.decode(Array(text.utf8)) == nil)
    }
}
