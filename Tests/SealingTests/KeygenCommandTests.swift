import Foundation
import Testing
import TsunagiSealing
import TsunagiTestSupport
import ZeroMQ

/// The real `tsunagi keygen` executable, run into a fresh folder: which files it writes, with which
/// modes, and that they hold the keys it reports.
@Suite("tsunagi keygen", .timeLimit(.minutes(2)))
struct KeygenCommandTests {
    let out = makeTemporaryDirectory("tsunagi-keygen") + "/keys"

    func keygen(_ arguments: [String]) throws -> CommandResult {
        try runCommand("tsunagi", ["keygen", "--out", out] + arguments, timeout: .seconds(60))
    }

    func files() -> [String: Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        return Dictionary(uniqueKeysWithValues: names.map { name in
            (name, (try? FileManager.default.attributesOfItem(atPath: "\(out)/\(name)")[.posixPermissions] as? Int) ?? -1)
        })
    }

    func folderMode() -> Int? {
        try? FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
    }

    @Test("by default: both pairs, the secret files 0600, the public ones 0644, in a folder made 0700")
    func bothPairs() throws {
        let result = try keygen(["--name", "saposute.kochi"])
        #expect(result.succeeded, "\(result.output)")
        #expect(files() == ["saposute.kochi.key": 0o600, "saposute.kochi.pub": 0o644,
                            "saposute.kochi.seal.key": 0o600, "saposute.kochi.seal.pub": 0o644])
        #expect(folderMode() == 0o700)
        // The files hold one pair each, and the keys printed are theirs.
        let curveSecret = try CurveCertificate.load(path: "\(out)/saposute.kochi.key")
        let curvePublic = try CurveCertificate.load(path: "\(out)/saposute.kochi.pub")
        #expect(curveSecret.keyPair?.publicKey == curvePublic.publicKey)
        #expect(result.output.contains("public key:  \(curvePublic.publicKey)"))
        let sealing = try SealingKeyFiles.loadKeyPair("\(out)/saposute.kochi.seal.key")
        #expect(try SealingKeyFiles.loadPublicKey("\(out)/saposute.kochi.seal.pub") == sealing.publicKey)
        #expect(result.output.contains("sealing key id:     \(sealing.id)"))
    }

    @Test("--sealing-only writes the sealing pair alone")
    func sealingOnly() throws {
        let result = try keygen(["--name", "saposute.kochi-2027", "--sealing-only"])
        #expect(result.succeeded, "\(result.output)")
        #expect(files() == ["saposute.kochi-2027.seal.key": 0o600, "saposute.kochi-2027.seal.pub": 0o644])
        #expect(!result.output.contains("public file:"))
    }

    @Test("--curve-only writes the CURVE pair alone")
    func curveOnly() throws {
        let result = try keygen(["--name", "router", "--curve-only"])
        #expect(result.succeeded, "\(result.output)")
        #expect(files() == ["router.key": 0o600, "router.pub": 0o644])
        #expect(!result.output.contains("sealing"))
    }

    @Test("an existing pair is refused (exit 1) and left as it is; --force replaces it; both --…-only flags are a usage error (64)")
    func existingFilesAndUsage() throws {
        #expect(try keygen(["--name", "router", "--curve-only"]).succeeded)
        let first = try String(contentsOfFile: "\(out)/router.key", encoding: .utf8)
        let again = try keygen(["--name", "router", "--curve-only"])
        #expect(again.status == 1 && again.output.contains("already exists"), "\(again.output)")
        #expect(try String(contentsOfFile: "\(out)/router.key", encoding: .utf8) == first)
        #expect(try keygen(["--name", "router", "--curve-only", "--force"]).succeeded)
        #expect(try String(contentsOfFile: "\(out)/router.key", encoding: .utf8) != first)
        #expect(files() == ["router.key": 0o600, "router.pub": 0o644])
        #expect(try keygen(["--name", "router", "--curve-only", "--sealing-only"]).status == 64)
    }
}
