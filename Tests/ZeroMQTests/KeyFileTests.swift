import Foundation
import Testing
import ZeroMQ

extension ZeroMQTests {
    /// `CurveCertificate.write`, the library side of `tsunagi keygen`.
    @Suite("Key pair files")
    struct KeyFiles {
        @Test("writes NAME.key 0600 and NAME.pub 0644 into a new 0700 directory, whatever the umask",
              arguments: [0o022, 0o077, 0o000] as [mode_t])
        func writesFilesWithTheirModes(umaskValue: mode_t) throws {
            let directory = try TemporaryDirectory()
            let keysDirectory = directory.path + "/keys/relays"
            let keyPair = try CurveKeyPair.generate()

            let previousUmask = umask(umaskValue)
            defer { umask(previousUmask) }
            let paths = try CurveCertificate.write(keyPair: keyPair, name: "relay-east", to: keysDirectory)

            #expect(paths.secretPath == keysDirectory + "/relay-east.key")
            #expect(paths.publicPath == keysDirectory + "/relay-east.pub")
            #expect(try permissions(of: paths.secretPath) == 0o600)
            #expect(try permissions(of: paths.publicPath) == 0o644)
            #expect(try permissions(of: keysDirectory) == 0o700)
            #expect(try permissions(of: directory.path + "/keys") == 0o700)

            let secret = try CurveCertificate.load(path: paths.secretPath, requireSecret: true)
            #expect(secret.keyPair == keyPair)
            #expect(secret.metadata == ["name": "relay-east"])
            let publicOnly = try CurveCertificate.load(path: paths.publicPath)
            #expect(publicOnly.publicKey == keyPair.publicKey)
            #expect(publicOnly.secretKey == nil)
            #expect(publicOnly.metadata == ["name": "relay-east"])
            #expect(!(try String(contentsOfFile: paths.publicPath, encoding: .utf8)).contains(keyPair.secretKey.z85))
        }

        @Test("refuses to overwrite either file unless told to, and replaces both when told")
        func refusesToOverwrite() throws {
            let directory = try TemporaryDirectory()
            let first = try CurveKeyPair.generate()
            let paths = try CurveCertificate.write(keyPair: first, name: "station", to: directory.path)
            let secretBefore = try String(contentsOfFile: paths.secretPath, encoding: .utf8)

            #expect(throws: CurveCertificate.WriteError.alreadyExists(path: paths.secretPath)) {
                try CurveCertificate.write(keyPair: try CurveKeyPair.generate(), name: "station", to: directory.path)
            }
            #expect(try String(contentsOfFile: paths.secretPath, encoding: .utf8) == secretBefore)

            // Only the public file left: still a refusal, and no secret file appears.
            #expect(unlink(paths.secretPath) == 0)
            #expect(throws: CurveCertificate.WriteError.alreadyExists(path: paths.publicPath)) {
                try CurveCertificate.write(keyPair: try CurveKeyPair.generate(), name: "station", to: directory.path)
            }
            #expect(!FileManager.default.fileExists(atPath: paths.secretPath))

            let second = try CurveKeyPair.generate()
            try CurveCertificate.write(keyPair: second, name: "station", to: directory.path, overwrite: true)
            #expect(try CurveCertificate.load(path: paths.secretPath, requireSecret: true).keyPair == second)
            #expect(try CurveCertificate.load(path: paths.publicPath).publicKey == second.publicKey)
            #expect(try permissions(of: paths.secretPath) == 0o600)
            #expect(try permissions(of: paths.publicPath) == 0o644)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(leftovers == ["station.key", "station.pub"], "no temporary file is left behind")
        }

        @Test("accepts only ASCII slugs as names", arguments: [
            ("relay-east", true), ("node.1", true), ("0", true), ("a..b", true),
            ("", false), ("Relay", false), ("-relay", false), (".hidden", false), ("a/b", false),
            ("a b", false), ("a_b", false), ("relé", false), ("../up", false),
        ])
        func validatesNames(name: String, valid: Bool) throws {
            #expect(CurveCertificate.isValidName(name) == valid)
            if !valid {
                let directory = try TemporaryDirectory()
                #expect(throws: CurveCertificate.WriteError.invalidName(name)) {
                    try CurveCertificate.write(keyPair: try CurveKeyPair.generate(), name: name, to: directory.path)
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
            }
        }

        @Test("keys read back from the files complete a CURVE handshake through the ZAP handler")
        func writtenKeysCompleteHandshake() throws {
            let directory = try TemporaryDirectory()
            let serverFiles = try CurveCertificate.write(keyPair: try CurveKeyPair.generate(), name: "hub", to: directory.path)
            let clientFiles = try CurveCertificate.write(keyPair: try CurveKeyPair.generate(), name: "relay-east", to: directory.path)

            // What each side would load: the server its secret file and the client's public file,
            // the client its secret file and the server's public file.
            let serverKeys = try #require(try CurveCertificate.load(path: serverFiles.secretPath, requireSecret: true).keyPair)
            let clientPublic = try CurveCertificate.load(path: clientFiles.publicPath)
            let clientKeys = try #require(try CurveCertificate.load(path: clientFiles.secretPath, requireSecret: true).keyPair)
            let serverPublic = try CurveCertificate.load(path: serverFiles.publicPath)
            let clientName = try #require(clientPublic.metadata["name"])

            try withContext { context in
                _ = try ZAPAuthenticator(context: context, allowList: [clientPublic.publicKey: clientName])
                let router = try Socket(context, type: .router)
                try router.makeCurveServer(secretKey: serverKeys.secretKey)
                let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

                let client = try Socket(context, type: .dealer)
                try client.makeCurveClient(serverKey: serverPublic.publicKey, keyPair: clientKeys)
                try client.connect(endpoint)
                try client.send("hello from a file")

                let message = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(message.userID == "relay-east")
                #expect(message.frames.last == "hello from a file".bytes)
            }
        }
    }
}

/// The permission bits of a file or directory.
func permissions(of path: String) throws -> mode_t {
    var status = stat()
    guard stat(path, &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return status.st_mode & 0o7777
}
