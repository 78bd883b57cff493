import Foundation

/// A CURVE certificate file in czmq's format (ZPL text, keys in Z85 under `curve`), as
/// `zcert_save` writes and `zcert_load` / pyzmq's `zmq.auth.load_certificate` read.
/// The secret file holds both keys; the public file only the public key.
public struct CurveCertificate: Sendable, Equatable {
    public var publicKey: CurveKey
    public var secretKey: CurveKey?
    public var metadata: [String: String]

    public init(publicKey: CurveKey, secretKey: CurveKey? = nil, metadata: [String: String] = [:]) {
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.metadata = metadata
    }

    public init(keyPair: CurveKeyPair, metadata: [String: String] = [:]) {
        self.init(publicKey: keyPair.publicKey, secretKey: keyPair.secretKey, metadata: metadata)
    }

    public var keyPair: CurveKeyPair? {
        secretKey.map { CurveKeyPair(publicKey: publicKey, secretKey: $0) }
    }

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case unreadable(path: String, reason: String)
        case missingPublicKey(path: String)
        case invalidKey(path: String, field: String)
        case missingSecretKey(path: String)
        case tooOpen(path: String, mode: UInt16)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the key file \(path): \(reason)"
            case .missingPublicKey(let path): "\(path) has no curve public-key: is it a ZeroMQ certificate?"
            case .invalidKey(let path, let field): "\(path): \(field) is not a 40-character Z85 key"
            case .missingSecretKey(let path): "\(path) holds no secret-key: give the .key file, not the .pub"
            case .tooOpen(let path, let mode):
                "\(path) is readable by others (mode \(String(mode, radix: 8))): run chmod 600 \(path)"
            }
        }
    }

    /// Renders the file's text. The secret variant carries czmq's warning header.
    public func fileText(includingSecret: Bool, generated: Date = Date()) -> String {
        let stamp = ISO8601DateFormatter().string(from: generated)
        var lines = ["#   ****  Generated on \(stamp) by Tsunagi  ****"]
        if includingSecret, secretKey != nil {
            lines += ["#   ZeroMQ CURVE **Secret** Certificate",
                      "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions."]
        } else {
            lines += ["#   ZeroMQ CURVE Public Certificate",
                      "#   Exchange securely, or use a secure mechanism to verify the contents",
                      "#   of this file after exchange."]
        }
        lines += ["", "metadata"]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(name) = \"\(value)\"")
        }
        lines += ["curve", "    public-key = \"\(publicKey.z85)\""]
        if includingSecret, let secretKey {
            lines.append("    secret-key = \"\(secretKey.z85)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses czmq's ZPL certificate text.
    public static func parse(_ text: String, path: String = "<text>") throws(LoadError) -> CurveCertificate {
        var section = ""
        var curve: [String: String] = [:]
        var metadata: [String: String] = [:]
        // Split on any line break: "\r\n" is one Character in Swift, so splitting on "\n"
        // would leave a CRLF file (a certificate saved on Windows) as a single line.
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indented = line.first == " " || line.first == "\t"
            guard let equals = trimmed.firstIndex(of: "=") else {
                if !indented { section = trimmed }
                continue
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            switch section {
            case "curve": curve[name] = value
            case "metadata": metadata[name] = value
            default: break
            }
        }
        guard let publicText = curve["public-key"] else { throw .missingPublicKey(path: path) }
        guard let publicKey = CurveKey(z85: publicText) else { throw .invalidKey(path: path, field: "public-key") }
        var secretKey: CurveKey?
        if let secretText = curve["secret-key"] {
            guard let key = CurveKey(z85: secretText) else { throw .invalidKey(path: path, field: "secret-key") }
            secretKey = key
        }
        return CurveCertificate(publicKey: publicKey, secretKey: secretKey, metadata: metadata)
    }

    /// Loads a certificate file. With `requireSecret`, the file must hold the secret key and be
    /// readable by its owner only.
    public static func load(path: String, requireSecret: Bool = false) throws(LoadError) -> CurveCertificate {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedFailureReason ?? "no such file or no permission")
        }
        let certificate = try parse(text, path: path)
        if requireSecret {
            guard certificate.secretKey != nil else { throw .missingSecretKey(path: path) }
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
                throw .tooOpen(path: path, mode: UInt16(status.st_mode & 0o777))
            }
        }
        return certificate
    }
}
