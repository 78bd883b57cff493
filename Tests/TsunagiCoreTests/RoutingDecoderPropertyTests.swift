import Foundation
import PropertyBased
import Testing
@testable import TsunagiCore

/// The fast routing decoder against JSONDecoder, over generated routing documents: valid ones,
/// ones with wrong fields, and ones with valid and invalid JSON under keys the router ignores.
@Suite("Routing decoder against JSONDecoder")
struct RoutingDecoderPropertyTests {
    enum Outcome: Equatable {
        case success(Routing)
        case failure(ErrorCode)
    }

    /// What JSONDecoder makes of a document that is JSON: the routing part (validated), or the
    /// refusal's code.
    static func reference(_ bytes: [UInt8]) -> Outcome {
        do {
            let routing = try JSONDecoder().decode(Routing.self, from: Data(bytes))
            do {
                try routing.validate()
                return .success(routing)
            } catch {
                return .failure(error.code)
            }
        } catch let error as DecodingError {
            return .failure(Routing.describe(error).code)
        } catch {
            return .failure(.badJSON)
        }
    }

    static func decoded(_ bytes: [UInt8]) -> Outcome {
        do { return .success(try Routing.decode(json: bytes)) } catch { return .failure(error.code) }
    }

    @Test("the router takes exactly JSON, and decodes it as JSONDecoder does")
    func agreesWithJSONDecoder() async {
        await propertyCheck(count: 3_000, input: RoutingDocuments.generator) { document in
            let bytes = Array(document.text.utf8)
            if document.isJSON {
                #expect(Self.decoded(bytes) == Self.reference(bytes), "\(document.text)")
            } else {
                #expect(Self.decoded(bytes) == .failure(.badJSON), "accepted what is not JSON: \(document.text)")
            }
            // Whatever the fast path takes is JSON and is what JSONDecoder reads.
            if let fast = RoutingFastDecoder.decode(bytes) {
                #expect(document.isJSON, "fast decoder accepted what is not JSON: \(document.text)")
                #expect((try? JSONDecoder().decode(Routing.self, from: Data(bytes))) == fast, "\(document.text)")
            }
        }
    }

    @Test("the generator makes every kind of document it is meant to")
    func generatorCoversTheCases() {
        var rng = SystemRandomNumberGenerator()
        var outcomes: [String: Int] = [:]
        var fastAccepted = 0
        for _ in 0..<2_000 {
            let document = RoutingDocuments.document(using: &rng)
            let bytes = Array(document.text.utf8)
            switch document.isJSON ? Self.reference(bytes) : .failure(.badJSON) {
            case .success: outcomes["valid", default: 0] += 1
            case .failure(let code): outcomes[code.name, default: 0] += 1
            }
            if RoutingFastDecoder.decode(bytes) != nil { fastAccepted += 1 }
        }
        // Valid documents, non-JSON, and field refusals all occur; the fast path takes many.
        #expect(outcomes["valid", default: 0] > 100, "\(outcomes)")
        #expect(outcomes["bad-json", default: 0] > 100, "\(outcomes)")
        #expect(outcomes["invalid-referral", default: 0] > 20, "\(outcomes)")
        #expect(fastAccepted > 100, "\(outcomes)")
    }

    @Test("numbers that are not JSON are refused under ignored keys", arguments: [
        "1-2", "0123", "1.2.3", "-", "1e", "--1", "+1", "1.", ".5", "1e+", "01", "-01", "1E-", "0x10", "1..2", "Infinity", "NaN",
    ])
    func invalidNumbers(_ number: String) {
        let document = RoutingDocuments.valid(extra: #""note": \#(number)"#)
        let bytes = Array(document.utf8)
        #expect(RoutingFastDecoder.parse(bytes) == nil)
        #expect(Self.decoded(bytes) == .failure(.badJSON))
    }

    @Test("numbers that are JSON are ignored under unknown keys", arguments: [
        "0", "-0", "12", "-12.5", "1e10", "1E-3", "0.5e+2", "123456789012345678901234567890",
    ])
    func validNumbers(_ number: String) {
        let bytes = Array(RoutingDocuments.valid(extra: #""note": [\#(number)]"#).utf8)
        #expect(RoutingFastDecoder.decode(bytes) != nil)
        #expect(Self.decoded(bytes) == Self.reference(bytes))
        #expect((try? Routing.decode(json: bytes)) != nil)
    }
}

/// Generated routing documents, as text, each with whether it is JSON by construction: every
/// piece is either taken from the grammar of RFC 8259 or known to break it.
enum RoutingDocuments {
    struct Document: Sendable, CustomStringConvertible {
        var text: String
        var isJSON: Bool
        var description: String { text }
    }

    static let generator = Generator<Document, Shrink.None<Document>>(run: { rng in document(using: &rng) })

    static func valid(extra: String? = nil) -> String {
        var fields = baseFields().map { "\"\($0.key)\": \($0.value)" }
        if let extra { fields.append(extra) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func baseFields() -> [(key: String, value: String)] {
        [("id", #""gen-1""#), ("from", #""peer-support.kochi""#), ("to", #""saposute.kochi""#),
         ("created_at", #""2026-11-26T09:30:00+09:00""#), ("needs", #"["employment"]"#), ("age_band", #""20s""#),
         ("sex", #""unknown""#), ("municipality", #""高知市""#),
         ("consent", #"{"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}"#)]
    }

    /// Values a known field may wrongly hold; all of them JSON.
    static let wrongValues = [
        "null", "12", "true", "[]", "{}", #""""#, #""x y""#, #""2026-02-30""#, #""\n""#, #""sa\u0070osute.kochi""#,
        #""0123456789012345678901234567890123456789012345678901234567890123456789""#,
    ]

    static func document(using rng: inout some RandomNumberGenerator) -> Document {
        var fields = baseFields()
        var isJSON = true
        // Change a few fields: a wrong value, a missing key, a variant that is still valid.
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let index = Int.random(in: 0..<fields.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: fields[index].value = wrongValues.randomElement(using: &rng)!
            case 1: fields.remove(at: index)
            case 2 where fields[index].key == "created_at":
                fields[index].value = #""2026-11-26T09:30:00."# + String(repeating: "7", count: Int.random(in: 1...16, using: &rng)) + #"Z""#
            default: fields[index].value = validVariant(of: fields[index].key, using: &rng) ?? fields[index].value
            }
        }
        // Unknown keys with JSON (or nearly JSON) values.
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let (text, valid) = value(depth: 0, using: &rng)
            isJSON = isJSON && valid
            fields.insert((key: "x-\(Int.random(in: 0...9, using: &rng))", value: text), at: Int.random(in: 0...fields.count, using: &rng))
        }
        let space = [" ", "", "\n", "\t", "  "]
        var members = fields.map { "\"\($0.key)\"\(space.randomElement(using: &rng)!):\(space.randomElement(using: &rng)!)\($0.value)" }
        // Now and then, break the object's own syntax.
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: members.append(""); isJSON = false                    // a trailing comma
        case 1 where !members.isEmpty: members[0] = members[0].replacingOccurrences(of: ":", with: " ", options: [], range: members[0].range(of: ":")); isJSON = false
        default: break
        }
        var text = "{" + members.joined(separator: ",\(space.randomElement(using: &rng)!)") + "}"
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: text += " x"; isJSON = false
        case 1: text = String(text.dropLast()); isJSON = false
        case 2: text = "\u{FEFF}" + text; isJSON = false                // a byte order mark is not JSON text
        default: break
        }
        return Document(text: text, isJSON: isJSON)
    }

    static func validVariant(of key: String, using rng: inout some RandomNumberGenerator) -> String? {
        switch key {
        case "needs": "[" + Need.allCases.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)).map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
        case "age_band": "\"\(AgeBand.allCases.randomElement(using: &rng)!.rawValue)\""
        case "municipality": "\"" + String(repeating: "か\u{3099}", count: Int.random(in: 1...130, using: &rng)) + "\""
        case "id": "\"" + String(repeating: "a", count: Int.random(in: 60...66, using: &rng)) + "\""
        case "to": #""sa\u0070osute.kochi""#
        default: nil
        }
    }

    /// A JSON value, or something that looks like one and is not; with whether it is JSON.
    static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> (String, Bool) {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &rng) {
        case 0:
            let token = number(using: &rng)
            return (token, token.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil)
        case 1:
            let literal = ["true", "false", "null", "tru", "nul", "falsey", "True", "NaN"].randomElement(using: &rng)!
            return (literal, ["true", "false", "null"].contains(literal))
        case 2:
            return [(#""plain""#, true), (#""esc\"aped""#, true), (#""\u00e9\/\b\f\r""#, true), (#""\ud83d\ude00""#, true),
                    (#""日本""#, true), (#""bad \x escape""#, false), ("\"tab\there\"", false), (#""\u12""#, false),
                    (#""\ud83d alone""#, false), (#""unterminated"#, false), ("'single'", false)].randomElement(using: &rng)!
        case 3:
            return ("\"\(String(repeating: "s", count: Int.random(in: 0...3, using: &rng)))\"", true)
        case 4, 5:
            let items = (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth + 1, using: &rng) }
            let trailingComma = !items.isEmpty && Int.random(in: 0..<10, using: &rng) == 0
            return ("[" + items.map(\.0).joined(separator: ",") + (trailingComma ? "," : "") + "]",
                    items.allSatisfy(\.1) && !trailingComma)
        default:
            let members = (0..<Int.random(in: 0...3, using: &rng)).map { index in
                let (text, valid) = value(depth: depth + 1, using: &rng)
                return ("\"k\(index)\": \(text)", valid)
            }
            let missingColon = !members.isEmpty && Int.random(in: 0..<10, using: &rng) == 0
            let text = "{" + members.map(\.0).joined(separator: ",") + "}"
            return (missingColon ? text.replacingOccurrences(of: "\": ", with: "\" ") : text, members.allSatisfy(\.1) && !missingColon)
        }
    }

    /// A number-like token: digits, signs, dots and exponents in any order, often valid.
    static func number(using rng: inout some RandomNumberGenerator) -> String {
        if Bool.random(using: &rng) {
            let sign = Bool.random(using: &rng) ? "-" : ""
            let integer = Bool.random(using: &rng) ? "0" : String(Int.random(in: 1...99_999, using: &rng))
            let fraction = Bool.random(using: &rng) ? ".\(Int.random(in: 0...999, using: &rng))" : ""
            let exponent = Bool.random(using: &rng) ? "\(["e", "E"].randomElement(using: &rng)!)\(["", "+", "-"].randomElement(using: &rng)!)\(Int.random(in: 0...40, using: &rng))" : ""
            return sign + integer + fraction + exponent
        }
        let alphabet = Array("+-.eE0123456789")
        return String((0..<Int.random(in: 1...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }
}
