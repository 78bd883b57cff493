import Foundation
import Testing
import TsunagiTestSupport
import ZeroMQ

/// A client written from docs/PROTOCOL.md alone, against the real router: raw frames out, raw
/// frames in, the document's wording for what must come back. It uses none of the package's codec
/// (no WorkerMessage, no RouterMessage): the JSON it sends is text, the answers are bytes.
@Suite("TSP/1 conformance from the document", .serialized, .timeLimit(.minutes(3)))
struct ConformanceTests {
    static let signature = Array("TSUNAGI/1".utf8)
    static let sender = "peer-support.kochi"

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The error code table of the document: code → name.
    static func documentedNames() throws -> [String: String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let table = document[try #require(document.range(of: "## Error codes")).upperBound...]
        var names: [String: String] = [:]
        for line in table.split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count >= 6, Int(cells[1]) != nil { names[cells[1]] = cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
        }
        return names
    }

    /// A routing part as the document's table describes it, as JSON text.
    static func routing(id: String, municipality: String = "高知市", createdAt: String = "2026-11-26T09:30:00+09:00",
                        extra: String = "") -> [UInt8] {
        bytes("""
            {"id":"\(id)","from":"\(sender)","to":"saposute.kochi","created_at":"\(createdAt)","needs":["employment"],\
            "age_band":"20s","sex":"unknown","municipality":"\(municipality)",\
            "consent":{"basis":"person","obtained_on":"2026-11-20","recorded_by":"相談員A"}\(extra)}
            """)
    }

    static func submit(_ routing: [UInt8]) -> [[UInt8]] {
        [signature, bytes("SUBMIT"), routing, bytes(#"{"name":"テスト"}"#)]
    }

    /// What an ERROR carries, frame by frame (ERROR section of the document).
    struct Refusal: CustomStringConvertible {
        let code: String
        let name: String
        let command: String
        let referral: String
        let message: String
        var description: String { "\(code) \(name) | \(command) | \(referral) | \(message)" }
    }

    func refusal(_ agency: borrowing RawAgency, _ frames: [[UInt8]]) throws -> Refusal? {
        try agency.send(frames)
        guard let answer = try agency.receiveFrames(skipping: ["PONG", "DELIVER", "STATUS"]) else { return nil }
        #expect(answer.count == 7 && answer[0] == Self.signature && Self.text(answer[1]) == "ERROR", "\(answer.map(Self.text))")
        guard answer.count == 7 else { return nil }
        let names = try Self.documentedNames()
        let refusal = Refusal(code: Self.text(answer[2]), name: Self.text(answer[3]), command: Self.text(answer[4]),
                              referral: Self.text(answer[5]), message: Self.text(answer[6]))
        #expect(names[refusal.code] == refusal.name, "the document names \(refusal.code) \(names[refusal.code] ?? "nothing")")
        return refusal
    }

    /// Nothing came back for what the document answers with nothing: the PING sent after it is
    /// answered first.
    func nothingAnswers(_ agency: borrowing RawAgency, _ frames: [[UInt8]]) throws -> Bool {
        try agency.send(frames)
        try agency.send([Self.signature, Self.bytes("PING")])
        guard let next = try agency.receiveFrames(skipping: ["DELIVER", "STATUS"]) else { return false }
        return next.count == 2 && Self.text(next[1]) == "PONG"
    }

    @Test("ERROR frames 4 and 5 name the command, and the referral only when its id was read whole from the request")
    func errorNamesTheRequest() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency(Self.sender)
        #expect(try agency.handshake())
        let long = String(repeating: "a", count: 65)

        var answer = try #require(try refusal(agency, [Self.signature, Self.bytes("ACCEPT"), Self.bytes(long)]))
        #expect((answer.code, answer.command, answer.referral) == ("400", "ACCEPT", ""), "\(answer)")
        answer = try #require(try refusal(agency, [Self.signature, Self.bytes("ACCEPT"), Self.bytes("pk-unknown")]))
        #expect((answer.code, answer.command, answer.referral) == ("411", "ACCEPT", "pk-unknown"), "\(answer)")
        answer = try #require(try refusal(agency, [Self.signature, Self.bytes("DECLINE"), Self.bytes("pk-1"), Self.bytes(String(repeating: "x", count: 2_049))]))
        #expect((answer.code, answer.command, answer.referral) == ("408", "DECLINE", "pk-1"), "\(answer)")
        answer = try #require(try refusal(agency, [Self.signature, Self.bytes("STATUS-OK"), Self.bytes("+5")]))
        #expect((answer.code, answer.command, answer.referral) == ("400", "STATUS-OK", ""), "\(answer)")
        answer = try #require(try refusal(agency, [Self.signature, Self.bytes("STATUS-OK"), Self.bytes("pk-1")]))
        #expect((answer.code, answer.referral) == ("400", ""), "STATUS-OK's text is never a referral: \(answer)")
        // A routing part refused for a field still names its id; one whose id is too long does not.
        answer = try #require(try refusal(agency, Self.submit(Self.routing(id: "pk-2", municipality: ""))))
        #expect((answer.code, answer.command, answer.referral) == ("404", "SUBMIT", "pk-2"), "\(answer)")
        answer = try #require(try refusal(agency, Self.submit(Self.routing(id: long))))
        #expect((answer.code, answer.command, answer.referral) == ("404", "SUBMIT", ""), "\(answer)")
        answer = try #require(try refusal(agency, Self.submit(Self.bytes(#"{"id":"pk-3","#))))
        #expect((answer.code, answer.referral) == ("403", ""), "\(answer)")
        // A report names its day.
        answer = try #require(try refusal(agency, [Self.signature, Self.bytes("REPORT"),
                                                   Self.bytes(#"{"agency":"\#(Self.sender)","day":"2026-11-26","generated_at":"x","entries":{}}"#)]))
        #expect((answer.code, answer.command, answer.referral) == ("403", "REPORT", "2026-11-26"), "\(answer)")
        answer = try #require(try refusal(agency, [Self.signature, Self.bytes("LAUNCH")]))
        #expect((answer.code, answer.command, answer.referral) == ("402", "", ""), "\(answer)")
    }

    @Test("limits as written: 128 user-perceived characters, any number of fractional digits, 32 levels of JSON")
    func fieldLimits() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency(Self.sender)
        #expect(try agency.handshake())
        func submitted(_ frames: [[UInt8]]) throws -> [String]? {
            try agency.send(frames)
            return try agency.receiveFrames()?.map(Self.text)
        }
        let pair = "か\u{3099}"
        #expect(try submitted(Self.submit(Self.routing(id: "pk-g1", municipality: String(repeating: pair, count: 128)))) == ["TSUNAGI/1", "SUBMITTED", "pk-g1", "submitted"])
        var answer = try #require(try refusal(agency, Self.submit(Self.routing(id: "pk-g2", municipality: String(repeating: pair, count: 129)))))
        #expect((answer.code, answer.referral) == ("408", "pk-g2"), "\(answer)")
        #expect(try submitted(Self.submit(Self.routing(id: "pk-f1", createdAt: "2026-11-26T09:30:00.12345678901234+09:00"))) == ["TSUNAGI/1", "SUBMITTED", "pk-f1", "submitted"])
        #expect(try submitted(Self.submit(Self.routing(id: "pk-f2", createdAt: "2026-11-26T00:30:00.1234567890123456789Z"))) == ["TSUNAGI/1", "SUBMITTED", "pk-f2", "submitted"])
        let nested = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        answer = try #require(try refusal(agency, Self.submit(Self.routing(id: "pk-d1", extra: #","x":\#(nested)"#))))
        #expect((answer.code, answer.name) == ("403", "bad-json"), "\(answer)")
        #expect(try submitted(Self.submit(Self.routing(id: "pk-d2", extra: #","x":\#(nested.dropFirst().dropLast())"#))) == ["TSUNAGI/1", "SUBMITTED", "pk-d2", "submitted"])
    }

    @Test("what is not JSON is refused even under keys the router ignores", arguments: ["1-2", "0123", "1.2.3", "-", "1e", "--1", "[1,]", "tru"])
    func onlyJSON(_ value: String) throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency(Self.sender)
        #expect(try agency.handshake())
        let answer = try #require(try refusal(agency, Self.submit(Self.routing(id: "pk-j1", extra: #","note":\#(value)"#))))
        #expect((answer.code, answer.name, answer.referral) == ("403", "bad-json", ""), "\(answer)")
        // The same document with a JSON number there is taken.
        try agency.send(Self.submit(Self.routing(id: "pk-j1", extra: #","note":12"#)))
        #expect(try agency.receiveFrames()?.map(Self.text) == ["TSUNAGI/1", "SUBMITTED", "pk-j1", "submitted"])
    }

    @Test("STATUS-OK takes a decimal: +5 and leading zeros are 400, a plain sequence gets no answer")
    func statusSequence() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency(Self.sender)
        #expect(try agency.handshake())
        for frame in ["+5", "05", String(repeating: "0", count: 29) + "5", "0", " 5"] {
            let answer = try #require(try refusal(agency, [Self.signature, Self.bytes("STATUS-OK"), Self.bytes(frame)]))
            #expect((answer.code, answer.name) == ("400", "bad-frames"), "'\(frame)': \(answer)")
        }
        #expect(try nothingAnswers(agency, [Self.signature, Self.bytes("STATUS-OK"), Self.bytes("5")]))
    }

    @Test("REPORT refusals are sentences that name the field, not a program's error text")
    func reportSentences() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency(Self.sender)
        #expect(try agency.handshake())
        let report = #"{"agency":"\#(Self.sender)","day":"2026-11-26","generated_at":"x","entries":[{"referral":"r-1","counterpart":"saposute.kochi","direction":"sent","state":"lost"}]}"#
        let answer = try #require(try refusal(agency, [Self.signature, Self.bytes("REPORT"), Self.bytes(report)]))
        #expect(answer.code == "403" && answer.referral == "2026-11-26", "\(answer)")
        #expect(answer.message.contains("report.entries[0].state") && answer.message.contains("submitted, delivered"), "\(answer)")
        #expect(!answer.message.contains("DecodingError") && !answer.message.contains("codingPath") && !answer.message.contains("Cannot initialize"), "\(answer)")
    }

    @Test("8 MiB is a limit per frame: larger frames of a message within it are refused with an ERROR, a larger frame ends the connection")
    func frameLimit() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency(Self.sender)
        #expect(try agency.handshake())
        // Two frames of 5 MiB: 10 MiB in all, each frame within 8 MiB. The router reads it and refuses
        // the routing part as too large.
        let fiveMiB = [UInt8](repeating: 0x20, count: 5 * 1_024 * 1_024)
        let answer = try #require(try refusal(agency, [Self.signature, Self.bytes("SUBMIT"), fiveMiB, fiveMiB]))
        #expect((answer.code, answer.name) == ("408", "too-large"), "\(answer)")
        // One frame over 8 MiB: no ERROR; libzmq drops the connection. The DEALER connects again
        // by itself and is served.
        try agency.send([Self.signature, Self.bytes("ACCEPT"), [UInt8](repeating: 0x61, count: 8 * 1_024 * 1_024 + 1)])
        #expect(try agency.receiveFrames(timeoutMilliseconds: 2_000, skipping: ["PONG"]) == nil, "an over-large frame was answered")
        #expect(try agency.handshake(), "the agency is not served again after its connection was dropped")
    }
}
