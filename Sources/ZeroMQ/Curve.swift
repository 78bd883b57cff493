import CZeroMQ

/// A 32-byte CURVE key (public or secret). Printed and stored as 40 characters of Z85.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Decodes a key from its 40-character Z85 text.
    public init?(z85 text: String) {
        guard text.utf8.count == 40, let bytes = Z85.decode(text) else { return nil }
        self.bytes = bytes
    }

    public var z85: String { Z85.encode(bytes)! }

    /// The key's Z85 text: a public key is safe to print, so is this; never print a secret key.
    public var description: String { z85 }
}

/// A CURVE key pair.
public struct CurveKeyPair: Hashable, Sendable {
    public let publicKey: CurveKey
    public let secretKey: CurveKey

    public init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Rebuilds a pair from its secret key alone.
    public init(secretKey: CurveKey) throws(ZMQError) {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = secretKey.z85.utf8CString
        try retryingOnInterrupt { secretText.withUnsafeMutableBufferPointer { zmq_curve_public(&publicText, $0.baseAddress) } }
        self.publicKey = CurveKey(z85: String(z85CString: publicText))!
        self.secretKey = secretKey
    }

    /// Generates a new random pair (libsodium underneath).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        try retryingOnInterrupt { zmq_curve_keypair(&publicText, &secretText) }
        return CurveKeyPair(
            publicKey: CurveKey(z85: String(z85CString: publicText))!,
            secretKey: CurveKey(z85: String(z85CString: secretText))!)
    }
}

/// ZeroMQ's Z85 text encoding (RFC 32): 4 bytes become 5 printable characters.
public enum Z85 {
    /// Encodes bytes whose count is a multiple of 4; nil otherwise.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
        let ok = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, bytes.count) != nil }
        return ok ? String(z85CString: text) : nil
    }

    /// Decodes text whose length is a multiple of 5; nil for any other length or character.
    public static func decode(_ text: String) -> [UInt8]? {
        let count = text.utf8.count
        guard count % 5 == 0 else { return nil }
        // libzmq refuses empty text, yet encodes no bytes as it: keep the round trip whole.
        if count == 0 { return [] }
        let alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
        guard text.allSatisfy({ alphabet.contains($0) }) else { return nil }
        var bytes = [UInt8](repeating: 0, count: count / 5 * 4)
        let ok = text.withCString { zmq_z85_decode(&bytes, $0) != nil }
        return ok ? bytes : nil
    }
}

extension String {
    /// Decodes a NUL-terminated buffer libzmq filled (Z85 is ASCII).
    init(z85CString buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
