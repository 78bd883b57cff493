import Foundation
import Testing
import TsunagiCore
import TsunagiSealing
import TsunagiTestSupport

/// The envelope against another RFC 9180 implementation: pyhpke, driven by a Python script
/// written from docs/PROTOCOL.md alone (Vectors/tsunagi_envelope.py).
@Suite struct InteropTests {
    static let script = EnvelopeVector.folder + "/tsunagi_envelope.py"

    /// Runs the script with `arguments`, feeding it `input`; returns its standard output.
    func python(_ arguments: [String], input: [String: String]? = nil) throws -> String {
        let json = try input.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? ""
        let result = try runToEnd(TestPython.executable, [Self.script] + arguments, input: json, separateErrors: true)
        guard result.succeeded else {
            throw HarnessError("python \(arguments.joined(separator: " ")) failed: \(result.errors)\(result.output)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func pyhpkeOpensTheCommittedVectorAndSealsItAgainByteForByte() throws {
        #expect(try python(["check", EnvelopeVector.path]) == "ok")
    }

    @Test func pyhpkeOpensWhatWeSeal() throws {
        let recipient = SealingKeyPair.generate(), sender = SealingKeyPair.generate()
        let routing = EnvelopeVector.routing(id: "welfare-office.susaki:R5-0031", from: "welfare-office.susaki", to: "saposute.nankoku")
        let plaintext = Array(#"{"name":"高知 花子","contact":"0889-00-0000","case_number":"SS-R5-031"}"#.utf8)
        let envelope = try PersonalPartSealing.seal(plaintext, for: routing, to: recipient.publicKey, from: sender)
        let opened = try python(["open"], input: [
            "envelope": hexString(envelope), "recipient_secret_key": hexString(recipient.secretKeyBytes),
            "sender_public_key": sender.publicKey.hex, "referral_id": routing.id.rawValue,
            "from": routing.from.rawValue, "to": routing.to.rawValue,
        ])
        #expect(opened == hexString(plaintext))
    }

    @Test func weOpenWhatPyhpkeSeals() throws {
        let recipient = SealingKeyPair.generate(), sender = SealingKeyPair.generate()
        let routing = EnvelopeVector.routing(id: "employment-base.chubu:0007", from: "employment-base.chubu", to: "welfare-office.aki")
        let plaintext = Array(#"{"name":"安芸 次郎","note":"就労訓練の相談"}"#.utf8)
        let envelope = try python(["seal"], input: [
            "recipient_public_key": recipient.publicKey.hex, "sender_secret_key": hexString(sender.secretKeyBytes),
            "referral_id": routing.id.rawValue, "from": routing.from.rawValue, "to": routing.to.rawValue,
            "plaintext": hexString(plaintext),
        ])
        let opened = PersonalPartSealing.open(try #require(bytesFromHex(envelope)), for: routing, ownKeys: [recipient],
                                              senderKeys: [sender.publicKey])
        #expect(try opened.get() == plaintext)
    }
}
