import Crypto
import Foundation
import TsunagiCore

/// Seals a referral's personal part to the destination agency and opens it there: HPKE (RFC 9180)
/// in auth mode, suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305, with the
/// envelope's header, the referral id, `from` and `to` as associated data (SealedEnvelope).
public enum PersonalPartSealing {
    static var suite: HPKE.Ciphersuite { .Curve25519_SHA256_ChachaPoly }

    /// Seals `plaintext` for `routing.to`, authenticated by the sender's own sealing key.
    public static func seal(_ plaintext: [UInt8], for routing: Routing, to recipient: SealingPublicKey,
                            from sender: SealingKeyPair) throws -> [UInt8] {
        var context = try HPKE.Sender(recipientKey: recipient.cryptoKey, ciphersuite: suite,
                                      info: Data(SealedEnvelope.info), authenticatedBy: sender.privateKey)
        let header = SealedEnvelope.header(recipient: recipient.id, sender: sender.id)
        let ciphertext = try context.seal(plaintext, authenticating: SealedEnvelope.associatedData(header: header, routing: routing))
        return header + Array(context.encapsulatedKey) + Array(ciphertext)
    }

    /// Opens an envelope delivered to this agency.
    /// - Parameters:
    ///   - ownKeys: this agency's sealing key pairs, current and previous.
    ///   - senderKeys: the sealing public keys the registry lists for `routing.from`.
    /// - Returns: the plaintext, or a refusal with the code the destination reports
    ///   (431 bad-envelope, 432 unknown-sealing-key, 433 cannot-open).
    public static func open(_ bytes: [UInt8], for routing: Routing, ownKeys: [SealingKeyPair],
                            senderKeys: [SealingPublicKey]) -> Result<[UInt8], ProtocolError> {
        let envelope: SealedEnvelope
        do {
            envelope = try SealedEnvelope.parse(bytes)
        } catch {
            return .failure(ProtocolError(.badEnvelope, "the sealed personal part of referral \(routing.id) is malformed: \(error)"))
        }
        guard let own = ownKeys.first(where: { $0.id == envelope.recipientKeyID }) else {
            return .failure(ProtocolError(.unknownSealingKey,
                "referral \(routing.id) is sealed to key \(envelope.recipientKeyID), which this worker does not hold (it holds \(ownKeys.map(\.id.description).joined(separator: ", "))): if it is this agency's earlier key, list its file in sealing_secret_keys again"))
        }
        guard let sender = senderKeys.first(where: { $0.id == envelope.senderKeyID }) else {
            return .failure(ProtocolError(.unknownSealingKey,
                "referral \(routing.id) is sealed with sender key \(envelope.senderKeyID), which the registry here does not list for \(routing.from): update this office's copy of the registry"))
        }
        do {
            var context = try HPKE.Recipient(privateKey: own.privateKey, ciphersuite: suite, info: Data(SealedEnvelope.info),
                                             encapsulatedKey: Data(envelope.encapsulatedKey), authenticatedBy: sender.cryptoKey)
            return .success(Array(try context.open(envelope.ciphertext, authenticating: envelope.associatedData(for: routing))))
        } catch {
            return .failure(ProtocolError(.cannotOpen,
                "the personal part of referral \(routing.id) does not open: it was altered, sealed for another referral or agency, or not sealed by \(routing.from)'s key \(envelope.senderKeyID)"))
        }
    }
}
