import Crypto
import Foundation
import TsunagiCore

/// An agency's sealing public key: X25519, 32 bytes. Separate from its CURVE key: the CURVE
/// handshake's keys are used for nothing else.
public struct SealingPublicKey: Sendable, Hashable, CustomStringConvertible {
    public let rawRepresentation: [UInt8]
    public let id: SealingKeyID

    public init?(rawRepresentation bytes: [UInt8]) {
        guard bytes.count == 32, (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes)) != nil else { return nil }
        rawRepresentation = bytes
        id = Self.keyID(of: bytes)
    }

    /// 64 hex digits, as the registry and the key files write it.
    public init?(hex: String) {
        guard let bytes = bytesFromHex(hex) else { return nil }
        self.init(rawRepresentation: bytes)
    }

    public var hex: String { hexString(rawRepresentation) }
    public var description: String { "\(id)" }

    /// The first 8 bytes of SHA-256 of the raw public key.
    public static func keyID(of publicKey: [UInt8]) -> SealingKeyID {
        SealingKeyID(bytes: Array(SHA256.hash(data: publicKey).prefix(SealingKeyID.byteCount)))!
    }

    var cryptoKey: Curve25519.KeyAgreement.PublicKey {
        try! Curve25519.KeyAgreement.PublicKey(rawRepresentation: rawRepresentation)
    }
}

/// An agency's sealing key pair. The secret half stays on the agency's own machine.
public struct SealingKeyPair: Sendable {
    let privateKey: Curve25519.KeyAgreement.PrivateKey
    public let publicKey: SealingPublicKey

    public static func generate() -> SealingKeyPair {
        SealingKeyPair(privateKey: Curve25519.KeyAgreement.PrivateKey())
    }

    public init?(secretKey bytes: [UInt8]) {
        guard bytes.count == 32, let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes) else { return nil }
        self.init(privateKey: key)
    }

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) {
        self.privateKey = privateKey
        publicKey = SealingPublicKey(rawRepresentation: Array(privateKey.publicKey.rawRepresentation))!
    }

    public var id: SealingKeyID { publicKey.id }
    /// The secret key's 32 bytes, for the key file only.
    public var secretKeyBytes: [UInt8] { Array(privateKey.rawRepresentation) }
}

/// Sealing key files: `NAME.seal.key` (both halves, mode 0600) and `NAME.seal.pub` (mode 0644).
/// Lines of `name = "value"`, hex keys, and comments; any language reads them in a few lines.
public enum SealingKeyFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Writes a new key pair; refuses to replace existing files unless `overwrite`.
    @discardableResult
    public static func write(_ keyPair: SealingKeyPair, name: String, to directory: String, overwrite: Bool = false)
        throws(Failure) -> (secretPath: String, publicPath: String)
    {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: directory) {
            do {
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let base = (directory as NSString).appendingPathComponent(name)
        let secretPath = base + ".seal.key", publicPath = base + ".seal.pub"
        if !overwrite {
            for path in [secretPath, publicPath] where fileManager.fileExists(atPath: path) {
                throw Failure("\(path) already exists; pass --force to replace the sealing key pair \"\(name)\"")
            }
        }
        let made = ISO8601DateFormatter().string(from: Date())
        let header = "# Tsunagi sealing key \"\(name)\" (X25519, HPKE RFC 9180), made \(made).\n"
            + "# Not a CURVE key: it seals and opens personal parts only.\n"
        let keys = "key_id = \"\(keyPair.id)\"\npublic_key = \"\(keyPair.publicKey.hex)\"\n"
        let publicText = header + "\n" + keys
        let secretText = header + "# SECRET: keep it on this agency's machine only, mode 0600.\n\n" + keys
            + "secret_key = \"\(hexString(keyPair.secretKeyBytes))\"\n"
        try create(secretPath, secretText, mode: 0o600)
        try create(publicPath, publicText, mode: 0o644)
        return (secretPath, publicPath)
    }

    /// Loads a secret key file, refusing one that group or others may read.
    public static func loadKeyPair(_ path: String) throws(Failure) -> SealingKeyPair {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure("cannot read the sealing secret key \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { throw Failure("\(path) is not a regular file: a sealing secret key is one") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw Failure("the sealing secret key \(path) can be read by others (mode \(String(mode, radix: 8))): it must be owner-only; run chmod 600 \(path)")
        }
        let fields = try read(path)
        guard let secretHex = fields["secret_key"] else { throw Failure("\(path) holds no secret_key: give the .seal.key file, not the .seal.pub") }
        guard let secret = bytesFromHex(secretHex), let keyPair = SealingKeyPair(secretKey: secret) else {
            throw Failure("\(path): secret_key is not 64 hex digits of an X25519 key")
        }
        if let stated = fields["public_key"], stated.lowercased() != keyPair.publicKey.hex {
            throw Failure("\(path): public_key does not belong to secret_key: the file is damaged; restore it from the backup")
        }
        return keyPair
    }

    /// Loads a public key from a `.seal.pub` (or `.seal.key`) file.
    public static func loadPublicKey(_ path: String) throws(Failure) -> SealingPublicKey {
        let fields = try read(path)
        guard let text = fields["public_key"], let key = SealingPublicKey(hex: text) else {
            throw Failure("\(path): public_key is missing or is not 64 hex digits of an X25519 key")
        }
        return key
    }

    static func read(_ path: String) throws(Failure) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Failure("cannot read the sealing key file \(path)")
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw Failure("\(path): '\(trimmed)' is not a line of name = \"value\"") }
            fields[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return fields
    }

    private static func create(_ path: String, _ text: String, mode: mode_t) throws(Failure) {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        do {
            try FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).write(contentsOf: Data(text.utf8))
        } catch {
            throw Failure("cannot write \(path): \(error.localizedDescription)")
        }
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else {
            throw Failure("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
