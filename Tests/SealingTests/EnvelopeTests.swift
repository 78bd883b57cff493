import Foundation
import Testing
import TsunagiCore
import TsunagiSealing
import TsunagiTestSupport

/// The committed test vector (Tests/SealingTests/Vectors/envelope-vector.json, made with pyhpke
/// from the protocol document), as both implementations read it.
struct EnvelopeVector: Decodable {
    let referral_id, from, to, plaintext: String
    let recipient_secret_key, recipient_public_key, recipient_key_id: String
    let sender_secret_key, sender_public_key, sender_key_id: String
    let info, aad, envelope: String

    static let folder = TestPython.packageRoot.appendingPathComponent("Tests/SealingTests/Vectors").path
    static var path: String { folder + "/envelope-vector.json" }

    static func load() throws -> EnvelopeVector {
        try JSONDecoder().decode(EnvelopeVector.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    var routing: Routing { Self.routing(id: referral_id, from: from, to: to) }
    var recipient: SealingKeyPair { SealingKeyPair(secretKey: bytesFromHex(recipient_secret_key)!)! }
    var sender: SealingKeyPair { SealingKeyPair(secretKey: bytesFromHex(sender_secret_key)!)! }
    var envelopeBytes: [UInt8] { bytesFromHex(envelope)! }

    static func routing(id: String, from: String, to: String) -> Routing {
        SampleReferral.make(id: id, from: from, to: to).routing
    }
}

@Suite struct EnvelopeTests {
    @Test func theVectorOpensWithOurCodeAndEveryDerivedFieldMatches() throws {
        let vector = try EnvelopeVector.load()
        #expect(vector.recipient.publicKey.hex == vector.recipient_public_key)
        #expect(vector.recipient.id.description == vector.recipient_key_id)
        #expect(vector.sender.id.description == vector.sender_key_id)
        #expect(hexString(SealedEnvelope.info) == vector.info)
        let envelope = try SealedEnvelope.parse(vector.envelopeBytes)
        #expect(envelope.recipientKeyID.description == vector.recipient_key_id)
        #expect(envelope.senderKeyID.description == vector.sender_key_id)
        #expect(hexString(envelope.associatedData(for: vector.routing)) == vector.aad)
        #expect(envelope.encoded() == vector.envelopeBytes)
        let opened = PersonalPartSealing.open(vector.envelopeBytes, for: vector.routing, ownKeys: [vector.recipient],
                                              senderKeys: [vector.sender.publicKey])
        #expect(try opened.get() == Array(vector.plaintext.utf8))
    }

    @Test func aFlippedByteAnywhereNeverOpens() throws {
        let vector = try EnvelopeVector.load()
        let bytes = vector.envelopeBytes
        for index in bytes.indices {
            for bit in [UInt8(0x01), 0x80] {
                var damaged = bytes
                damaged[index] ^= bit
                let result = PersonalPartSealing.open(damaged, for: vector.routing, ownKeys: [vector.recipient],
                                                      senderKeys: [vector.sender.publicKey])
                guard case .failure(let error) = result else {
                    Issue.record("byte \(index) flipped (\(bit)) still opened")
                    continue
                }
                // Header bytes: the form or a key id no longer matches; the rest: authentication fails.
                let expected: Set<ErrorCode> = index < SealedEnvelope.headerLength
                    ? [.badEnvelope, .unknownSealingKey] : [.cannotOpen]
                #expect(expected.contains(error.code), "byte \(index): \(error)")
            }
        }
    }

    @Test func anEnvelopeMovedToAnotherReferralOrBetweenOtherAgenciesDoesNotOpen() throws {
        let vector = try EnvelopeVector.load()
        let others = [
            EnvelopeVector.routing(id: "peer-support.kochi:2026-0013", from: vector.from, to: vector.to),
            EnvelopeVector.routing(id: vector.referral_id, from: "peer-support.hata", to: vector.to),
            EnvelopeVector.routing(id: vector.referral_id, from: vector.from, to: "saposute.nankoku"),
        ]
        for routing in others {
            let result = PersonalPartSealing.open(vector.envelopeBytes, for: routing, ownKeys: [vector.recipient],
                                                  senderKeys: [vector.sender.publicKey])
            #expect(throws: ProtocolError.self) { try result.get() }
            if case .failure(let error) = result { #expect(error.code == .cannotOpen) }
        }
    }

    @Test func onlyTheNamedKeysOpenIt() throws {
        let vector = try EnvelopeVector.load()
        let stranger = SealingKeyPair.generate()
        // Another agency's secret key: the envelope names a key this worker does not hold.
        let wrongRecipient = PersonalPartSealing.open(vector.envelopeBytes, for: vector.routing, ownKeys: [stranger],
                                                      senderKeys: [vector.sender.publicKey])
        #expect(wrongRecipient.failureCode == .unknownSealingKey)
        // The registry lists another key for the sender: unknown sender key.
        let unknownSender = PersonalPartSealing.open(vector.envelopeBytes, for: vector.routing, ownKeys: [vector.recipient],
                                                     senderKeys: [stranger.publicKey])
        #expect(unknownSender.failureCode == .unknownSealingKey)
        // Sealed by someone else who writes the sender's key id into the header: auth mode refuses it.
        let forged = try PersonalPartSealing.seal(Array("forged".utf8), for: vector.routing, to: vector.recipient.publicKey, from: stranger)
        let relabelled = SealedEnvelope.header(recipient: vector.recipient.id, sender: vector.sender.id)
            + forged.dropFirst(SealedEnvelope.headerLength)
        let forgedResult = PersonalPartSealing.open(Array(relabelled), for: vector.routing, ownKeys: [vector.recipient],
                                                    senderKeys: [vector.sender.publicKey])
        #expect(forgedResult.failureCode == .cannotOpen)
        // An earlier key still held opens what was sealed to it.
        let rotated = PersonalPartSealing.open(vector.envelopeBytes, for: vector.routing, ownKeys: [stranger, vector.recipient],
                                               senderKeys: [vector.sender.publicKey])
        #expect(try rotated.get() == Array(vector.plaintext.utf8))
    }

    @Test func malformedEnvelopesAreNamed() throws {
        let vector = try EnvelopeVector.load()
        let bytes = vector.envelopeBytes
        #expect(throws: EnvelopeDefect.notSealed) { try SealedEnvelope.parse(Array(#"{"name":"x"}"#.utf8)) }
        #expect(throws: EnvelopeDefect.tooShort(40)) { try SealedEnvelope.parse(Array(bytes.prefix(40))) }
        var otherSuite = bytes
        otherSuite[9] = 0x01  // AES-128-GCM
        #expect(throws: EnvelopeDefect.unsupportedSuite(0x20, 0x01, 0x01)) { try SealedEnvelope.parse(otherSuite) }
        var baseMode = bytes
        baseMode[10] = 0x00
        #expect(throws: EnvelopeDefect.unsupportedMode(0)) { try SealedEnvelope.parse(baseMode) }
    }
}

@Suite struct AdmissionTests {
    let recipient = SealingKeyPair.generate()
    let previous = SealingKeyPair.generate()
    let sender = SealingKeyPair.generate()

    func sealed(to key: SealingKeyPair, id: String = "PS-1") throws -> Referral {
        let referral = SampleReferral.make(id: id, from: "peer-support.kochi", to: "saposute.kochi")
        return Referral(routing: referral.routing, personal: try PersonalPartSealing.seal(
            referral.personal, for: referral.routing, to: key.publicKey, from: sender))
    }

    func refusal(_ referral: Referral, destination: [SealingKeyPair]? = nil) -> ErrorCode? {
        SealingAdmission.refusal(for: referral, destinationKeys: (destination ?? [recipient, previous]).map(\.id),
                                 senderKeys: [sender.id])?.code
    }

    @Test func sealedToTheCurrentOrPreviousKeyIsTaken() throws {
        #expect(refusal(try sealed(to: recipient)) == nil)
        #expect(refusal(try sealed(to: previous)) == nil)
    }

    @Test func plaintextIsRefusedOnceTheDestinationHasAKeyAndTakenBefore() throws {
        let plain = SampleReferral.make(id: "PS-2", from: "peer-support.kochi", to: "saposute.kochi")
        #expect(refusal(plain) == .notSealed)
        #expect(refusal(plain, destination: []) == nil)
        #expect(refusal(Referral(routing: plain.routing, personal: [])) == nil)
    }

    @Test func anotherAgencysKeyOrABrokenEnvelopeIsRefused() throws {
        #expect(refusal(try sealed(to: SealingKeyPair.generate())) == .unknownSealingKey)
        var broken = try sealed(to: recipient)
        broken.personal = Array(broken.personal.prefix(50))
        #expect(refusal(broken) == .badEnvelope)
        let unknownSender = SealingAdmission.refusal(for: try sealed(to: recipient), destinationKeys: [recipient.id],
                                                     senderKeys: [previous.id])
        #expect(unknownSender?.code == .unknownSealingKey)
    }
}

extension Result where Failure == ProtocolError {
    var failureCode: ErrorCode? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
