import Foundation
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport
import ZeroMQ

/// Everything the router must refuse, each with its documented code, while it keeps serving and
/// the store stays as it was.
@Suite("Router refusals", .serialized, .timeLimit(.minutes(3)))
struct RefusalTests {
    @Test("referrals that break the rules are refused with their code and not stored")
    func invalidReferrals() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let sender = try harness.agency("peer-support.hata")
        #expect(try sender.handshake())
        let before = try StoreSnapshot(path: harness.storePath)

        let spoofed = SampleReferral.make(id: "x-1", from: "saposute.kochi", to: "welfare-office.aki")
        try sender.send(.submit(spoofed))
        #expect(try errorCode(sender) == .spoofedSender)

        let unknown = SampleReferral.make(id: "x-2", from: "peer-support.hata", to: "municipality.atlantis")
        try sender.send(.submit(unknown))
        #expect(try errorCode(sender) == .unknownAgency)

        var routing = SampleReferral.make(id: "x-3", from: "peer-support.hata", to: "peer-support.hata").routing
        try sender.send(frames(submitting: Array(try JSONEncoder().encode(routing))))
        #expect(try errorCode(sender) == .selfReferral)

        routing = SampleReferral.make(id: "x-4", from: "peer-support.hata", to: "saposute.kochi").routing
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(routing)) as! [String: Any]
        json.removeValue(forKey: "consent")
        try sender.send(frames(submitting: Array(try JSONSerialization.data(withJSONObject: json))))
        #expect(try errorCode(sender) == .noConsent)

        let after = try StoreSnapshot(path: harness.storePath)
        #expect(after == before, "changed: \(after.changedTables(since: before))")
    }

    @Test("only the destination answers and only the sender withdraws")
    func onlyTheRightPartyActs() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let sender = try harness.agency("saposute.kochi")
        let destination = try harness.agency("employment-base.tobu")
        let bystander = try harness.agency("welfare-office.aki")
        #expect(try sender.handshake())
        #expect(try destination.handshake())
        #expect(try bystander.handshake())
        let referral = SampleReferral.make(id: "sk-9", from: "saposute.kochi", to: "employment-base.tobu")
        try sender.send(.submit(referral))
        #expect(try sender.receive() == .submitted(referral.id, .submitted))

        try sender.send(.transition(.accept, referral.id, detail: nil))
        #expect(try errorCode(sender) == .wrongActor)
        try bystander.send(.transition(.decline, referral.id, detail: "対象外"))
        #expect(try errorCode(bystander) == .wrongActor)
        try destination.send(.transition(.withdraw, referral.id, detail: "本人の希望"))
        #expect(try errorCode(destination, skipping: ["PONG", "DELIVER"]) == .wrongActor)
        try destination.send(.transition(.decline, referral.id, detail: ""))
        #expect(try errorCode(destination, skipping: ["PONG", "DELIVER"]) == .detailRequired)
        try destination.send(.transition(.complete, referral.id, detail: "就職"))
        #expect(try errorCode(destination, skipping: ["PONG", "DELIVER"]) == .invalidTransition)
        try destination.send(.transition(.accept, ReferralID(rawValue: "no-such")!, detail: nil))
        #expect(try errorCode(destination, skipping: ["PONG", "DELIVER"]) == .notFound)

        try sender.send(.transition(.withdraw, referral.id, detail: "本人の希望"))
        #expect(try sender.receive() == .done(.withdraw, referral.id, .withdrawn))
        try destination.send(.transition(.accept, referral.id, detail: nil))
        #expect(try errorCode(destination, skipping: ["PONG", "DELIVER", "STATUS"]) == .invalidTransition)
        #expect(try harness.reader().history(of: referral.id).map(\.state) == [.submitted, .withdrawn])
    }

    @Test("malformed frames each get their code; the router keeps serving and the store is unchanged")
    func malformedCorpus() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let agency = try harness.agency("welfare-office.chuo-west")
        #expect(try agency.handshake())
        let valid = SampleReferral.make(id: "cw-1", from: "welfare-office.chuo-west", to: "saposute.kochi")
        let routing = valid.routing.canonicalJSON()
        let header = WireProtocol.signature
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        func replacing(_ key: String, with value: Any) -> [UInt8] {
            var json = try! JSONSerialization.jsonObject(with: Data(routing)) as! [String: Any]
            json[key] = value
            return Array(try! JSONSerialization.data(withJSONObject: json))
        }
        let corpus: [(String, [[UInt8]], ErrorCode)] = [
            ("one frame", [header], .badFrames),
            ("wrong signature", [bytes("HELLO"), bytes("PING")], .badFrames),
            ("future version", [bytes("TSUNAGI/9"), bytes("PING")], .unsupportedVersion),
            ("unknown command", [header, bytes("LAUNCH")], .unknownCommand),
            ("router's command", [header, bytes("DELIVER"), routing, []], .unknownCommand),
            ("submit without personal", [header, bytes("SUBMIT"), routing], .badFrames),
            ("submit with extra frame", [header, bytes("SUBMIT"), routing, [], []], .badFrames),
            ("not JSON", [header, bytes("SUBMIT"), bytes("{not json"), []], .badJSON),
            ("wrong type", [header, bytes("SUBMIT"), replacing("needs", with: "employment"), []], .invalidReferral),
            ("unknown need", [header, bytes("SUBMIT"), replacing("needs", with: ["flying"]), []], .invalidReferral),
            ("bad agency id", [header, bytes("SUBMIT"), replacing("to", with: "Not An Id!"), []], .invalidReferral),
            ("bad time", [header, bytes("SUBMIT"), replacing("created_at", with: "yesterday"), []], .invalidReferral),
            ("huge routing", [header, bytes("SUBMIT"), replacing("municipality", with: String(repeating: "高", count: 20_000)), []], .tooLarge),
            ("huge field", [header, bytes("SUBMIT"), replacing("municipality", with: String(repeating: "x", count: 500)), []], .tooLarge),
            ("huge personal", [header, bytes("SUBMIT"), routing, [UInt8](repeating: 65, count: Limits.personalBytes + 1)], .tooLarge),
            ("bad referral id", [header, bytes("ACCEPT"), bytes("no spaces allowed")], .badFrames),
            ("accept unknown", [header, bytes("ACCEPT"), bytes("cw-404")], .notFound),
            ("status ack not a number", [header, bytes("STATUS-OK"), bytes("seven")], .badFrames),
            ("report not JSON", [header, bytes("REPORT"), bytes("[]")], .badJSON),
            ("report of another agency", [header, bytes("REPORT"), bytes(#"{"agency":"saposute.kochi","day":"2026-11-26","generated_at":"x","entries":[]}"#)], .spoofedSender),
            ("report with a bad state", [header, bytes("REPORT"), bytes(#"{"agency":"welfare-office.chuo-west","day":"2026-11-26","generated_at":"x","entries":[{"referral":"r","counterpart":"saposute.kochi","direction":"sent","state":"lost"}]}"#)], .badJSON),
            ("ping with body", [header, bytes("PING"), bytes("x")], .badFrames),
            ("invalid UTF-8", [header, bytes("DECLINE"), bytes("cw-1"), [0xFF, 0xFE]], .badFrames),
        ]
        let reader = try harness.reader()
        let before = try StoreSnapshot(path: harness.storePath)
        for (name, frames, expected) in corpus {
            try agency.send(frames)
            let code = try errorCode(agency)
            #expect(code == expected, "\(name): got \(String(describing: code))")
        }
        let after = try StoreSnapshot(path: harness.storePath)
        #expect(after == before, "changed: \(after.changedTables(since: before))")
        // Still serving: a valid referral goes through.
        try agency.send(.submit(valid))
        #expect(try agency.receive() == .submitted(valid.id, .submitted))
        #expect(try reader.verify().isEmpty)
    }

    @Test("a plaintext client and an unregistered key get nothing through")
    func unauthenticatedPeers() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let before = try StoreSnapshot(path: harness.storePath)
        let stranger = try RawAgency(context: harness.context, endpoint: harness.endpoint,
                                     keyPair: CurveKeyPair.generate(),
                                     serverKey: CurveCertificate.load(path: "\(harness.network.directory)/keys/router.pub").publicKey)
        try? stranger.send(.hello(software: "stranger"))
        #expect(try stranger.receive(timeoutMilliseconds: 1_500) == nil)

        let plaintext = try Socket(harness.context, type: .dealer)
        try plaintext.set(.sendTimeout, 500)
        try plaintext.connect(harness.endpoint)
        _ = try? plaintext.send(WorkerMessage.hello(software: "plain").frames(), flags: .dontWait)
        #expect(try plaintext.receive(timeoutMilliseconds: 1_500) == nil)
        #expect(try StoreSnapshot(path: harness.storePath) == before)
    }

    private func frames(submitting routing: [UInt8]) -> [[UInt8]] {
        [WireProtocol.signature, Command.submit.bytes, routing, Array(#"{"name":"x"}"#.utf8)]
    }

    private func errorCode(_ agency: borrowing RawAgency, skipping: Set<String> = ["PONG"]) throws -> ErrorCode? {
        guard case .error(let error, _, _) = try agency.receive(skipping: skipping) else { return nil }
        return error.code
    }
}
