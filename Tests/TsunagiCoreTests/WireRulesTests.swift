import Foundation
import Testing
import TsunagiCore

/// The rules of TSP/1 that docs/PROTOCOL.md states, each checked against the codec with literal
/// inputs and the results the document gives for them.
@Suite("TSP/1 rules as documented")
struct WireRulesTests {
    static let header = WireProtocol.signature
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func routing(id: String = "ps-1", municipality: String = "高知市", createdAt: String = "2026-11-26T09:30:00+09:00",
                        extra: String = "") -> [UInt8] {
        bytes(#"{"id":"\#(id)","from":"peer-support.kochi","to":"saposute.kochi","created_at":"\#(createdAt)","needs":["employment"],"#
              + #""age_band":"20s","sex":"unknown","municipality":"\#(municipality)","consent":{"basis":"person","obtained_on":"2026-11-20","recorded_by":"相談員A"}\#(extra)}"#)
    }

    static func code(_ frames: [[UInt8]]) -> ErrorCode? {
        do {
            _ = try WorkerMessage.decode(frames)
            return nil
        } catch {
            return error.code
        }
    }

    // MARK: Error codes pinned to the document

    /// The rows of the document's error code table: code, name, and whether it is transient.
    static func documentedCodes() throws -> [(code: Int, name: String, transient: Bool)] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let section = try #require(text.range(of: "## Error codes")).upperBound
        let tail = text[section...]
        let end = tail.range(of: "\n## ")?.lowerBound ?? tail.endIndex
        return tail[..<end].split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 6, let code = Int(cells[1]) else { return nil }
            return (code, cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells[4] == "transient")
        }
    }

    @Test("every error code, name and kind is the document's, and the document lists no other")
    func errorCodesMatchTheDocument() throws {
        let documented = try Self.documentedCodes()
        #expect(documented.count >= 19)
        let fromDocument = documented.map { "\($0.code) \($0.name) \($0.transient ? "transient" : "final")" }.sorted()
        let fromCode = ErrorCode.allCases.map { "\($0.rawValue) \($0.name) \($0.isTransient ? "transient" : "final")" }.sorted()
        #expect(fromCode == fromDocument)
        #expect(ErrorCode.allCases.allSatisfy { ErrorCode(name: $0.name) == $0 })
    }

    // MARK: ERROR frames 4 and 5

    @Test("ERROR names the referral only when its id was read whole and valid from the request", arguments: [
        (#"ACCEPT, a valid id"#, [header, bytes("ACCEPT"), bytes("ps-1")], "ACCEPT", "ps-1"),
        ("ACCEPT, a 64-byte id", [header, bytes("ACCEPT"), bytes(String(repeating: "a", count: 64))], "ACCEPT", String(repeating: "a", count: 64)),
        ("ACCEPT, a 65-byte id (never its 64-byte prefix)", [header, bytes("ACCEPT"), bytes(String(repeating: "a", count: 65))], "ACCEPT", ""),
        ("ACCEPT, an id with a space", [header, bytes("ACCEPT"), bytes("ps 1")], "ACCEPT", ""),
        ("ACCEPT, with the staff frame", [header, bytes("ACCEPT"), bytes("ps-1"), bytes("tanaka")], "ACCEPT", "ps-1"),
        ("ACCEPT, one frame too many", [header, bytes("ACCEPT"), bytes("ps-1"), bytes("tanaka"), bytes("x")], "ACCEPT", ""),
        ("DECLINE, a blank staff frame", [header, bytes("DECLINE"), bytes("ps-1"), bytes("定員"), bytes(" ")], "DECLINE", "ps-1"),
        ("DECLINE, a reason too long", [header, bytes("DECLINE"), bytes("ps-1"), [UInt8](repeating: 65, count: 2_049)], "DECLINE", "ps-1"),
        ("WITHDRAW, no reason frame", [header, bytes("WITHDRAW"), bytes("ps-1")], "WITHDRAW", ""),
        ("STATUS-OK never names a referral", [header, bytes("STATUS-OK"), bytes("+5")], "STATUS-OK", ""),
        ("STATUS-OK whose frame looks like an id", [header, bytes("STATUS-OK"), bytes("ps-1")], "STATUS-OK", ""),
        ("HELLO", [header, bytes("HELLO"), bytes("ps-1")], "HELLO", ""),
        ("SUBMIT, routing with a valid id and no consent", [header, bytes("SUBMIT"), bytes(#"{"id":"ps-2"}"#), []], "SUBMIT", "ps-2"),
        ("SUBMIT, routing whose id is 65 bytes", [header, bytes("SUBMIT"), routing(id: String(repeating: "b", count: 65)), []], "SUBMIT", ""),
        ("SUBMIT, routing whose id is a number", [header, bytes("SUBMIT"), bytes(#"{"id":12}"#), []], "SUBMIT", ""),
        ("SUBMIT, routing that is not JSON", [header, bytes("SUBMIT"), bytes(#"{"id":"ps-3","#), []], "SUBMIT", ""),
        ("SUBMIT, routing that is a JSON string", [header, bytes("SUBMIT"), bytes(#""ps-3""#), []], "SUBMIT", ""),
        ("SUBMIT, personal part too large", [header, bytes("SUBMIT"), routing(id: "ps-4"), [UInt8](repeating: 1, count: 65_537)], "SUBMIT", "ps-4"),
        ("SUBMIT, one frame", [header, bytes("SUBMIT"), routing(id: "ps-5")], "SUBMIT", ""),
        ("REPORT, a day", [header, bytes("REPORT"), bytes(#"{"day":"2026-11-26","entries":7}"#)], "REPORT", "2026-11-26"),
        ("REPORT, no such day", [header, bytes("REPORT"), bytes(#"{"day":"2026-02-30"}"#)], "REPORT", ""),
        ("another version", [bytes("TSUNAGI/2"), bytes("ACCEPT"), bytes("ps-1")], "ACCEPT", ""),
        ("an unknown command", [header, bytes("FETCH"), bytes("ps-1")], "", ""),
        ("a router's command", [header, bytes("DELIVER"), bytes("ps-1"), []], "DELIVER", ""),
        ("one frame", [header], "", ""),
    ] as [(String, [[UInt8]], String, String)])
    func refusalSubject(_ label: String, _ frames: [[UInt8]], _ command: String, _ referral: String) {
        #expect(RefusalSubject.command(of: frames) == command, "\(label)")
        #expect(RefusalSubject.referral(of: frames) == referral, "\(label)")
        if let code = Self.code(frames) {
            let error = ProtocolError(code, "x")
            #expect(RouterMessage.refusal(error, answering: frames) == .error(error, command: command, referral: referral))
        }
    }

    // MARK: Field rules

    @Test("128 characters are user-perceived characters, not code points")
    func graphemeClusters() {
        let pair = "か\u{3099}"
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(municipality: String(repeating: pair, count: 128)), []]) == nil)
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(municipality: String(repeating: pair, count: 129)), []]) == .tooLarge)
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(municipality: String(repeating: "須", count: 128)), []]) == nil)
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(municipality: String(repeating: "須", count: 129)), []]) == .tooLarge)
        // 👨‍👩‍👧 is five code points and one character.
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(municipality: String(repeating: "👨‍👩‍👧", count: 100)), []]) == nil)
    }

    @Test("created_at takes any number of fractional digits within 40 bytes", arguments: [
        ("2026-11-26T09:30:00.1234567891+09:00", nil), ("2026-11-26T09:30:00.12345678901234+09:00", nil),
        ("2026-11-26T00:30:00.1234567890123456789Z", nil), ("2026-11-26T09:30:00.123456789012345+09:00", .invalidReferral),
        ("2026-11-26T09:30:00.+09:00", .invalidReferral), ("2026-11-26T09:30:00+09:00", nil),
    ] as [(String, ErrorCode?)])
    func fractionalSeconds(_ createdAt: String, _ expected: ErrorCode?) {
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(createdAt: createdAt), []]) == expected, "\(createdAt.utf8.count) bytes")
    }

    @Test("the staff frame: optional on the four answers, text, not blank, at most 256 bytes, no control character", arguments: [
        ("ACCEPT", ["ps-1"], "田中", nil), ("DECLINE", ["ps-1", "定員"], "tanaka", nil), ("COMPLETE", ["ps-1", "就職"], "山田 花子", nil),
        ("WITHDRAW", ["ps-1", "本人の希望"], String(repeating: "a", count: 256), nil),
        ("WITHDRAW", ["ps-1", "本人の希望"], String(repeating: "a", count: 257), .tooLarge),
        ("ACCEPT", ["ps-1"], "", .badFrames), ("ACCEPT", ["ps-1"], " \u{3000}", .badFrames),
        ("DECLINE", ["ps-1", "定員"], "田中\n", .badFrames), ("DECLINE", ["ps-1", "定員"], "a\u{7F}", .badFrames),
        ("ACCEPT", ["ps-1"], "a\u{9B}31m", .badFrames), ("ACCEPT", ["ps-1"], "田中\u{202E}", .badFrames),
        ("ACCEPT", ["ps-1"], "a\u{2028}b", .badFrames), ("ACCEPT", ["ps-1"], "👩\u{200D}💼 山田", nil),
        ("RECEIVED", ["ps-1"], "tanaka", .badFrames), ("UNDELIVERABLE", ["ps-1", "433 cannot-open"], "tanaka", .badFrames),
    ] as [(String, [String], String, ErrorCode?)])
    func staffFrame(_ command: String, _ body: [String], _ staff: String, _ expected: ErrorCode?) throws {
        let frames = [Self.header, Self.bytes(command)] + body.map(Self.bytes) + [Self.bytes(staff)]
        #expect(Self.code(frames) == expected, "\(command) \(staff.debugDescription)")
        if expected == nil, case .transition(_, _, _, let decoded) = try WorkerMessage.decode(frames) {
            #expect(decoded == staff)
        }
        // Without the frame the same answer names nobody.
        if command != "RECEIVED", command != "UNDELIVERABLE",
           case .transition(_, _, _, let nobody) = try WorkerMessage.decode(Array(frames.dropLast())) {
            #expect(nobody == nil)
        }
    }

    @Test("a STATUS-OK sequence is a decimal: digits only, no sign, no leading zero", arguments: [
        ("5", nil), ("9223372036854775807", nil), ("10", nil),
        ("+5", .badFrames), ("05", .badFrames), ("00000000000000000000000000000005", .badFrames), ("0", .badFrames),
        ("-1", .badFrames), (" 5", .badFrames), ("5 ", .badFrames), ("", .badFrames), ("9223372036854775808", .badFrames),
        ("５", .badFrames), ("1e3", .badFrames),
    ] as [(String, ErrorCode?)])
    func statusSequence(_ text: String, _ expected: ErrorCode?) {
        #expect(Self.code([Self.header, Self.bytes("STATUS-OK"), Self.bytes(text)]) == expected)
    }

    @Test("JSON nesting is limited to 32 levels")
    func nestingDepth() {
        func nested(_ levels: Int) -> String { String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }
        // The routing object itself is level 1.
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(extra: #","x":\#(nested(31))"#), []]) == nil)
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(extra: #","x":\#(nested(32))"#), []]) == .badJSON)
        // Brackets inside strings do not count.
        #expect(Self.code([Self.header, Self.bytes("SUBMIT"), Self.routing(extra: #","x":"\#(String(repeating: "[{", count: 40))""#), []]) == nil)
        let report = #"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x","entries":[],"x":\#(nested(32))}"#
        #expect(Self.code([Self.header, Self.bytes("REPORT"), Self.bytes(report)]) == .badJSON)
    }

    // MARK: Sentences

    @Test("REPORT refusals say which field breaks which rule, in words, never Swift's", arguments: [
        (#"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x"}"#, "report.entries is missing"),
        (#"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x","entries":{}}"#, "report.entries has the wrong type: it must be a list"),
        (#"{"agency":"saposute.kochi","day":"26/11/2026","generated_at":"x","entries":[]}"#, "report.day is not valid: a day is written YYYY-MM-DD"),
        (#"{"agency":"Saposute","day":"2026-11-26","generated_at":"x","entries":[]}"#, "report.agency is not valid: an agency id is"),
        (#"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x","entries":[{"referral":"r-1","counterpart":"peer-support.kochi","direction":"sent","state":"lost"}]}"#,
         "report.entries[0].state is not valid: the state is one of submitted, delivered"),
        (#"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x","entries":[{"referral":"r-1","counterpart":"peer-support.kochi","direction":"out","state":"accepted"}]}"#,
         "report.entries[0].direction is not valid: the direction is sent or received"),
        (#"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x","entries":[{"referral":"r-1","direction":"sent","state":"accepted"}]}"#,
         "report.entries[0].counterpart is missing"),
        (#"{"agency":"saposute.kochi","day":null,"generated_at":"x","entries":[]}"#, "report.day is null"),
        (#"{"agency":"saposute.kochi","#, "the ledger report is not valid JSON"),
    ])
    func reportSentences(_ report: String, _ sentence: String) {
        do {
            _ = try WorkerMessage.decode([Self.header, Self.bytes("REPORT"), Self.bytes(report)])
            Issue.record("accepted \(report)")
        } catch {
            #expect(error.code == .badJSON)
            #expect(error.message.hasPrefix(sentence), "\(error.message)")
            for swiftWord in ["DecodingError", "Context", "codingPath", "CodingKeys", "debugDescription", "Swift.", "Array<", "Dictionary<"] {
                #expect(!error.message.contains(swiftWord), "\(error.message)")
            }
        }
    }

    @Test("routing refusals name the rule, never Swift's enum text", arguments: [
        (#""age_band":"30代""#, "routing.age_band is not valid: the age band is one of 10s"),
        (#""sex":"f""#, "routing.sex is not valid: sex is one of female"),
        (#""needs":["jobs"]"#, "routing.needs[0] is not valid: each need is one of employment"),
    ])
    func routingSentences(_ replacement: String, _ sentence: String) throws {
        let key = String(replacement.split(separator: ":")[0])
        var text = String(decoding: Self.routing(), as: UTF8.self)
        let pattern = try Regex("\(key):(\"[^\"]*\"|\\[[^\\]]*\\])")
        text = text.replacing(pattern, with: replacement)
        do {
            _ = try WorkerMessage.decode([Self.header, Self.bytes("SUBMIT"), Self.bytes(text), []])
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .invalidReferral)
            #expect(error.message.hasPrefix(sentence), "\(error.message)")
            #expect(!error.message.contains("Cannot initialize"), "\(error.message)")
        }
    }
}
