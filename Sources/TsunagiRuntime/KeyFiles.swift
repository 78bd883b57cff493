import Foundation
import ZeroMQ

/// Loading this process's own key pair and its peers' public keys, with the checks an operator
/// needs to hear about at start-up rather than at the first handshake.
public enum KeyFiles {
    /// Loads a secret certificate, refusing one that others can read.
    public static func loadKeyPair(_ path: String) throws -> CurveKeyPair {
        do {
            let certificate = try CurveCertificate.load(path: path, requireSecret: true)
            return certificate.keyPair!
        } catch {
            throw ConfigError("\(error)")
        }
    }

    /// Loads a public key from a `.pub` (or `.key`) certificate, or takes a Z85 text as it is.
    public static func loadPublicKey(_ pathOrZ85: String) throws -> CurveKey {
        if let key = CurveKey(z85: pathOrZ85) { return key }
        do {
            return try CurveCertificate.load(path: pathOrZ85).publicKey
        } catch {
            throw ConfigError("\(error)")
        }
    }
}
