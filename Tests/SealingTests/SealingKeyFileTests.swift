import Foundation
import Testing
import TsunagiCore
import TsunagiRuntime
import TsunagiSealing
import TsunagiTestSupport
import TsunagiTools

@Suite struct SealingKeyFileTests {
    @Test func keyFilesAreOwnerOnlyAndRoundTrip() throws {
        let folder = makeTemporaryDirectory("tsunagi-seal-keys")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pair = SealingKeyPair.generate()
        let paths = try SealingKeyFiles.write(pair, name: "saposute.kochi", to: folder)
        let secretMode = try FileManager.default.attributesOfItem(atPath: paths.secretPath)[.posixPermissions] as? Int
        #expect(secretMode == 0o600)
        #expect(try SealingKeyFiles.loadKeyPair(paths.secretPath).publicKey == pair.publicKey)
        #expect(try SealingKeyFiles.loadPublicKey(paths.publicPath) == pair.publicKey)
        // The public file carries no secret.
        let publicText = try String(contentsOfFile: paths.publicPath, encoding: .utf8)
        #expect(!publicText.contains("secret_key") && publicText.contains("key_id = \"\(pair.id)\""))
        #expect(throws: SealingKeyFiles.Failure.self) { try SealingKeyFiles.loadKeyPair(paths.publicPath) }
        #expect(throws: SealingKeyFiles.Failure.self) { try SealingKeyFiles.write(.generate(), name: "saposute.kochi", to: folder) }
    }

    @Test func aSecretKeyOthersCanReadIsRefusedWithASentence() throws {
        let folder = makeTemporaryDirectory("tsunagi-seal-keys")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = try SealingKeyFiles.write(.generate(), name: "peer-support.kochi", to: folder)
        for mode in [0o640, 0o604, 0o644] {
            chmod(paths.secretPath, mode_t(mode))
            do {
                _ = try SealingKeyFiles.loadKeyPair(paths.secretPath)
                Issue.record("mode \(String(mode, radix: 8)) was accepted")
            } catch {
                #expect(error.description.contains("chmod 600") && error.description.contains(String(mode, radix: 8)))
            }
        }
    }

    @Test func theWorkerRefusesToStartWithAReadableSealingKey() throws {
        let harness = try RouterHarness(sealing: true)
        let secret = "\(harness.network.directory)/keys/saposute.kochi.seal.key"
        chmod(secret, 0o644)
        let worker = try harness.startWorker(AgencyID("saposute.kochi"))
        #expect(worker.waitForExit(within: .seconds(20)))
        #expect(worker.exitStatus != 0)
        #expect(worker.log.contains("can be read by others") && worker.log.contains("chmod 600"))
    }

    @Test func theRegistryListsKeyIdsAndRefusesAWrongOne() throws {
        let folder = makeTemporaryDirectory("tsunagi-seal-registry")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try NetworkInit.create(in: folder + "/net")
        let registry = try AgencyRegistry.load(path: "\(network.directory)/agencies.toml")
        for agency in registry.sorted {
            let key = try #require(agency.currentSealingKey, "\(agency.id)")
            let fromFile = try SealingKeyFiles.loadPublicKey("\(network.directory)/keys/\(agency.id).seal.pub")
            #expect(key == fromFile)
        }
        let text = try String(contentsOfFile: "\(network.directory)/agencies.toml", encoding: .utf8)
        let someID = try #require(registry[AgencyID("saposute.kochi")]?.currentSealingKey?.id.description)
        try text.replacingOccurrences(of: "id = \"\(someID)\"", with: "id = \"0000000000000000\"")
            .write(toFile: "\(network.directory)/agencies.toml", atomically: true, encoding: .utf8)
        do {
            _ = try AgencyRegistry.load(path: "\(network.directory)/agencies.toml")
            Issue.record("a wrong key id was accepted")
        } catch {
            #expect("\(error)".contains("does not match its public key"))
        }
    }
}
