import ArgumentParser
import ZeroMQ

/// `tsunagi keygen`: a new CURVE key pair, written as a czmq certificate pair.
/// The file handling lives in `CurveCertificate.write`; this only parses and reports.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a CURVE key pair: NAME.key (both keys, mode 0600) and NAME.pub (public key, mode 0644).")

    @Option(help: ArgumentHelp("Directory for the key files; created with mode 0700 if missing.", valueName: "dir"))
    var out: String

    @Option(help: "Name of the key pair: lowercase letters, digits, '.' and '-', starting with a letter or digit.")
    var name: String

    @Flag(help: "Replace existing key files of that name.")
    var force = false

    func run() throws {
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
}

/// A refusal worded for the command line (ArgumentParser prints it after "Error: ").
struct KeygenFailure: Error, CustomStringConvertible {
    let description: String
}
