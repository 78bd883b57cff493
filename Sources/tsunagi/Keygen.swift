import ArgumentParser
import TsunagiSealing
import ZeroMQ

/// `tsunagi keygen`: an agency's two key pairs — CURVE (the connection) and sealing (the personal
/// part, HPKE) — each in its own files. The file handling lives in `CurveCertificate.write` and
/// `SealingKeyFiles.write`; this only parses and reports.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an agency's key pairs: CURVE (NAME.key, mode 0600; NAME.pub, 0644) and sealing (NAME.seal.key, 0600; NAME.seal.pub, 0644).",
        discussion: """
            The sealing key id printed is the first 8 bytes of SHA-256 of the sealing public key, in hex; \
            the registry lists it beside the key. To rotate only the sealing key, pass --sealing-only \
            with a new name (docs/OPERATIONS.md, "Rotating a sealing key").
            """)

    @Option(help: ArgumentHelp("Directory for the key files; created with mode 0700 if missing.", valueName: "dir"))
    var out: String

    @Option(help: "Name of the key pair: lowercase letters, digits, '.' and '-', starting with a letter or digit.")
    var name: String

    @Flag(help: "Make only the CURVE key pair (the router's own keys).")
    var curveOnly = false

    @Flag(help: "Make only a sealing key pair (a sealing key rotation).")
    var sealingOnly = false

    @Flag(help: "Replace existing key files of that name.")
    var force = false

    func validate() throws {
        if curveOnly && sealingOnly { throw ValidationError("--curve-only and --sealing-only exclude each other") }
        guard CurveCertificate.isValidName(name) else {
            throw ValidationError("'\(name)' is not a key name: lowercase letters, digits, '.' and '-', starting with a letter or digit")
        }
    }

    func run() throws {
        if !sealingOnly {
            let keyPair = try CurveKeyPair.generate()
            let paths: (secretPath: String, publicPath: String)
            do {
                paths = try CurveCertificate.write(keyPair: keyPair, name: name, to: out, overwrite: force)
            } catch .alreadyExists(let path) {
                throw KeygenFailure(description: "\(path) already exists; pass --force to replace the key pair \"\(name)\"")
            }
            print("public key:  \(keyPair.publicKey)")
            print("secret file: \(paths.secretPath)")
            print("public file: \(paths.publicPath)")
        }
        if !curveOnly {
            let sealing = SealingKeyPair.generate()
            let paths: (secretPath: String, publicPath: String)
            do {
                paths = try SealingKeyFiles.write(sealing, name: name, to: out, overwrite: force)
            } catch {
                throw KeygenFailure(description: error.description)
            }
            print("sealing key id:     \(sealing.id)")
            print("sealing public key: \(sealing.publicKey.hex)")
            print("sealing secret:     \(paths.secretPath)")
            print("sealing public:     \(paths.publicPath)")
            print("for agencies.toml:  sealing_keys = [{ id = \"\(sealing.id)\", public_key = \"\(sealing.publicKey.hex)\" }]")
        }
    }
}

/// A refusal worded for the command line (ArgumentParser prints it after "Error: ").
struct KeygenFailure: Error, CustomStringConvertible {
    let description: String
}
