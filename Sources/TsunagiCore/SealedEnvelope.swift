/// The sealed personal part as it travels (docs/PROTOCOL.md, "Sealed personal part"): a fixed
/// header naming the HPKE suite and both agencies' sealing keys, HPKE's encapsulated key, and the
/// ciphertext. This file only reads and writes the bytes; sealing and opening are in
/// TsunagiSealing, so the router checks an envelope's form without any cryptography.
public struct SealedEnvelope: Sendable, Equatable {
    /// "TSE1": Tsunagi sealed envelope, format 1.
    public static let magic: [UInt8] = [0x54, 0x53, 0x45, 0x31]
    /// RFC 9180 identifiers of the one suite this format allows.
    public static let kemID: UInt16 = 0x0020   // DHKEM(X25519, HKDF-SHA256)
    public static let kdfID: UInt16 = 0x0001   // HKDF-SHA256
    public static let aeadID: UInt16 = 0x0003  // ChaCha20Poly1305
    /// RFC 9180 mode_auth: the sender's sealing key takes part, so the destination knows who sealed it.
    public static let modeAuth: UInt8 = 0x02
    /// HPKE `info`, the same for every envelope of this format.
    public static let info: [UInt8] = Array("tsunagi/personal-part/1".utf8)
    /// magic 4 + kem 2 + kdf 2 + aead 2 + mode 1 + recipient key id 8 + sender key id 8.
    public static let headerLength = 27
    public static let encapsulatedKeyLength = 32
    public static let tagLength = 16
    public static let minimumLength = headerLength + encapsulatedKeyLength + tagLength

    public let recipientKeyID: SealingKeyID
    public let senderKeyID: SealingKeyID
    /// HPKE's `enc`: the sender's ephemeral X25519 public key.
    public let encapsulatedKey: [UInt8]
    /// The sealed personal part with its 16-byte tag.
    public let ciphertext: [UInt8]

    public init(recipientKeyID: SealingKeyID, senderKeyID: SealingKeyID, encapsulatedKey: [UInt8], ciphertext: [UInt8]) {
        self.recipientKeyID = recipientKeyID
        self.senderKeyID = senderKeyID
        self.encapsulatedKey = encapsulatedKey
        self.ciphertext = ciphertext
    }

    /// The first 27 bytes: also the start of the associated data, so that no header byte can be
    /// changed without the envelope failing to open.
    public static func header(recipient: SealingKeyID, sender: SealingKeyID) -> [UInt8] {
        var bytes = magic
        for value in [kemID, kdfID, aeadID] { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
        bytes.append(modeAuth)
        return bytes + recipient.bytes + sender.bytes
    }

    public var header: [UInt8] { Self.header(recipient: recipientKeyID, sender: senderKeyID) }

    public func encoded() -> [UInt8] { header + encapsulatedKey + ciphertext }

    /// HPKE's `aad`: the header, then the referral id, sender and destination, separated by one
    /// zero byte (none of them can hold one). An envelope moved onto another referral, or between
    /// other agencies, does not open.
    public static func associatedData(header: [UInt8], routing: Routing) -> [UInt8] {
        header + Array(routing.id.rawValue.utf8) + [0] + Array(routing.from.rawValue.utf8) + [0] + Array(routing.to.rawValue.utf8)
    }

    public func associatedData(for routing: Routing) -> [UInt8] { Self.associatedData(header: header, routing: routing) }

    /// Whether the bytes claim to be an envelope (start with the magic); plaintext JSON does not.
    public static func looksSealed(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    /// Reads an envelope's form. It says nothing about whether the envelope opens.
    public static func parse(_ bytes: [UInt8]) throws(EnvelopeDefect) -> SealedEnvelope {
        guard looksSealed(bytes) else { throw .notSealed }
        guard bytes.count >= minimumLength else { throw .tooShort(bytes.count) }
        func uint16(at offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }
        let suite = (uint16(at: 4), uint16(at: 6), uint16(at: 8))
        guard suite == (kemID, kdfID, aeadID) else { throw .unsupportedSuite(suite.0, suite.1, suite.2) }
        guard bytes[10] == modeAuth else { throw .unsupportedMode(bytes[10]) }
        return SealedEnvelope(
            recipientKeyID: SealingKeyID(bytes: Array(bytes[11..<19]))!,
            senderKeyID: SealingKeyID(bytes: Array(bytes[19..<27]))!,
            encapsulatedKey: Array(bytes[headerLength..<(headerLength + encapsulatedKeyLength)]),
            ciphertext: Array(bytes[(headerLength + encapsulatedKeyLength)...]))
    }
}

/// What is wrong with the form of an envelope.
public enum EnvelopeDefect: Error, Equatable, Sendable, CustomStringConvertible {
    case notSealed
    case tooShort(Int)
    case unsupportedSuite(UInt16, UInt16, UInt16)
    case unsupportedMode(UInt8)

    public var description: String {
        switch self {
        case .notSealed: "it does not start with the envelope's magic bytes TSE1"
        case .tooShort(let count):
            "it is \(count) bytes; an envelope has at least \(SealedEnvelope.minimumLength)"
        case .unsupportedSuite(let kem, let kdf, let aead):
            "it names the HPKE suite KEM 0x\(hex16(kem)), KDF 0x\(hex16(kdf)), AEAD 0x\(hex16(aead)); only 0x0020, 0x0001, 0x0003 (X25519, HKDF-SHA256, ChaCha20Poly1305) is accepted"
        case .unsupportedMode(let mode):
            "it names HPKE mode \(mode); only mode 2 (auth) is accepted"
        }
    }
}

private func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

/// A sealing key's id: the first 8 bytes of SHA-256 of its 32-byte X25519 public key, written as
/// 16 lower-case hex digits.
public struct SealingKeyID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let byteCount = 8
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == Self.byteCount * 2 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    public var description: String { hexString(bytes) }
    public static func < (lhs: SealingKeyID, rhs: SealingKeyID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// Lower-case hex, as key ids, keys and test vectors are written.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] }
    return String(decoding: text, as: UTF8.self)
}

/// Bytes from lower- or upper-case hex; nil for anything else.
public func bytesFromHex(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count.isMultiple(of: 2) else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    for index in stride(from: 0, to: digits.count, by: 2) {
        guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
    }
    return bytes
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// The router's check of a SUBMIT's personal part against the registry: form and key ids only.
public enum SealingAdmission {
    /// - Parameters:
    ///   - destinationKeys: the sealing key ids the registry lists for `routing.to` (current and
    ///     previous). Empty: the destination has not published a sealing key yet, and the personal
    ///     part passes as it is (the transition; docs/OPERATIONS.md).
    ///   - senderKeys: the sealing key ids the registry lists for `routing.from`.
    /// - Returns: the refusal, or nil when the referral may be stored.
    public static func refusal(for referral: Referral, destinationKeys: [SealingKeyID], senderKeys: [SealingKeyID]) -> ProtocolError? {
        let routing = referral.routing
        guard !destinationKeys.isEmpty, !referral.personal.isEmpty else { return nil }
        let envelope: SealedEnvelope
        do {
            envelope = try SealedEnvelope.parse(referral.personal)
        } catch .notSealed {
            return ProtocolError(.notSealed,
                "the personal part of referral \(routing.id) is not sealed, and \(routing.to) receives only sealed ones: seal it to \(routing.to)'s sealing key (a worker of this version does)")
        } catch {
            return ProtocolError(.badEnvelope, "the sealed personal part of referral \(routing.id) is malformed: \(error)")
        }
        guard destinationKeys.contains(envelope.recipientKeyID) else {
            return ProtocolError(.unknownSealingKey,
                "referral \(routing.id) is sealed to key \(envelope.recipientKeyID), which the registry does not list for \(routing.to) (it lists \(destinationKeys.map(\.description).joined(separator: ", "))): reload the registry and seal it again")
        }
        guard senderKeys.contains(envelope.senderKeyID) else {
            return ProtocolError(.unknownSealingKey,
                "referral \(routing.id) is sealed with sender key \(envelope.senderKeyID), which the registry does not list for \(routing.from): ask the prefecture to publish this agency's sealing key")
        }
        return nil
    }
}
