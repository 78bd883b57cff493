import Foundation
import Testing
import TsunagiCore
import TsunagiSealing
import TsunagiStore
import TsunagiTestSupport

/// Sealed hand-offs through the real router and worker executables.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct SealedHandoffTests {
    static let peer = AgencyID("peer-support.kochi")
    static let saposute = AgencyID("saposute.kochi")

    /// A referral document whose personal part holds a distinctive name, phone and case number.
    static func document(id: String, name: String, phone: String, caseNumber: String, to: AgencyID = saposute) -> Data {
        Data("""
            {"routing": {"id": "\(id)", "from": "\(peer)", "to": "\(to)", "created_at": "2026-11-27T09:30:00+09:00",
                         "needs": ["employment"], "age_band": "20s", "sex": "unknown", "municipality": "高知市",
                         "consent": {"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}},
             "personal": {"name": "\(name)", "contact": "\(phone)", "case_number": "\(caseNumber)", "note": "午前中の連絡を希望"}}
            """.utf8)
    }

    /// Every file under `folder`, recursively, with its bytes.
    static func filesUnder(_ folder: String) -> [(path: String, bytes: Data)] {
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: folder) else { return [] }
        return names.compactMap { name -> (path: String, bytes: Data)? in
            let path = (folder as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let bytes = FileManager.default.contents(atPath: path) else { return nil }
            return (path, bytes)
        }
    }

    func expectInbox(_ harness: RouterHarness, _ agency: AgencyID, _ id: String, holds texts: [String]) throws {
        let text = try String(contentsOfFile: harness.folder(agency, "inbox/\(id).json"), encoding: .utf8)
        for planted in texts { #expect(text.contains(planted), "\(id) inbox lacks \(planted)") }
    }

    @Test func theRouterNeverHoldsTheNamePhoneOrCaseNumberWhileTheDestinationDoes() throws {
        let harness = try RouterHarness(sealing: true)
        try harness.startRouter()
        let peerWorker = try harness.startWorker(Self.peer)
        let saposuteWorker = try harness.startWorker(Self.saposute)
        defer { _ = peerWorker.stop(); _ = saposuteWorker.stop() }
        var planted: [String: [String]] = [:]
        for number in 1...6 {
            let id = "PS-SEAL-\(number)"
            let values = ["蒼井 葵鳥\(number)号", "070-9182-73\(number)\(number)", "CASE-ZQ-5581\(number)"]
            planted[id] = values
            try harness.drop(Self.document(id: id, name: values[0], phone: values[1], caseNumber: values[2]), named: "\(id).json", into: Self.peer)
        }
        #expect(waitUntil(.seconds(60)) { planted.keys.allSatisfy { harness.files(Self.saposute, "inbox").contains("\($0).json") } },
                "\(harness.logs())")
        for (id, values) in planted { try expectInbox(harness, Self.saposute, id, holds: values) }
        // The sender's ledger keeps its own plaintext copy as it sent it.
        let sent = try harness.ledger(Self.peer).sent()
        #expect(sent.count == planted.count)
        for item in sent { #expect(String(decoding: item.referral.personal, as: UTF8.self).contains(planted[item.referral.id.rawValue]![0])) }
        #expect(waitUntil(.seconds(30)) { (try? harness.reader().countsByState()[.delivered]) == planted.count })

        // The scan finds them where they belong: the sender's own ledger files hold its plaintext copy.
        let senderFiles = Self.filesUnder("\(harness.network.directory)/data/\(Self.peer)")
        for values in planted.values {
            #expect(senderFiles.contains { $0.bytes.range(of: Data(values[2].utf8)) != nil }, "the scan misses \(values[2])")
        }
        // Store, -wal, -shm and the router's log: none of the planted values, in any of them.
        let routerFiles = Self.filesUnder("\(harness.network.directory)/data/router") + [(harness.router!.logPath, try Data(contentsOf: URL(fileURLWithPath: harness.router!.logPath)))]
        #expect(routerFiles.contains { $0.path.hasSuffix("router.sqlite-wal") })
        #expect(routerFiles.count >= 3, "\(routerFiles.map(\.path))")
        for file in routerFiles {
            for values in planted.values {
                for value in values {
                    #expect(file.bytes.range(of: Data(value.utf8)) == nil, "\(value) found in \(file.path)")
                }
            }
        }
        // `tsunagi show`, text and JSON, gives the routing facts and history, never the personal part.
        for format in [[], ["--json"]] {
            let shown = try runCommand("tsunagi", ["show", "PS-SEAL-1", "--config", harness.network.routerConfigPath] + format, timeout: .seconds(60))
            #expect(shown.succeeded && shown.output.contains("PS-SEAL-1") && shown.output.contains("高知市"), "\(shown.output)")
            for value in planted.values.joined() { #expect(!shown.output.contains(value), "tsunagi show \(format) prints \(value)") }
        }
        // And once the router has moved the WAL into the store and stopped.
        harness.stopRouter()
        for file in Self.filesUnder("\(harness.network.directory)/data/router") {
            for value in planted.values.joined() { #expect(file.bytes.range(of: Data(value.utf8)) == nil, "\(value) found in \(file.path)") }
        }
    }

    @Test func aFileForADestinationWithoutASealingKeyIsRejectedWithASentenceNotSentUnsealed() throws {
        let harness = try RouterHarness(sealing: true)
        let municipality = AgencyID("municipality.kochi")
        let key = try Self.recipientKey(harness, municipality)
        let path = "\(harness.network.directory)/agencies.toml"
        let entry = "sealing_keys = [\n    { id = \"\(key.id)\", public_key = \"\(key.hex)\" },\n]"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(entry))
        try text.replacingOccurrences(of: entry, with: "").write(toFile: path, atomically: true, encoding: .utf8)
        try harness.startRouter()
        let peerWorker = try harness.startWorker(Self.peer)
        defer { _ = peerWorker.stop() }
        try harness.drop(Self.document(id: "NO-KEY-1", name: "鍵無 太郎", phone: "080-4444-0001", caseNumber: "NOKEY-1", to: municipality),
                         named: "no-key.json", into: Self.peer)
        #expect(waitUntil(.seconds(30)) { harness.files(Self.peer, "rejected").contains("no-key.json.error") }, "\(harness.logs())")
        let reason = try String(contentsOfFile: harness.folder(Self.peer, "rejected/no-key.json.error"), encoding: .utf8)
        #expect(reason.contains("封緘鍵") && reason.contains("municipality.kochi"))
        #expect(try harness.ledger(Self.peer).sent().isEmpty)
        #expect(try harness.reader().summary(of: ReferralID(rawValue: "NO-KEY-1")!) == nil)
    }

    /// A sender speaking raw frames with peer-support.kochi's keys, so that it can send what a
    /// worker never would.
    final class RawSender {
        let agency: RawAgency
        let ownKey: SealingKeyPair

        init(_ harness: RouterHarness) throws {
            ownKey = try SealingKeyFiles.loadKeyPair("\(harness.network.directory)/keys/\(SealedHandoffTests.peer).seal.key")
            agency = try harness.agency(SealedHandoffTests.peer.rawValue)
        }

        func submit(_ referral: Referral) throws -> RouterMessage? {
            try agency.send(.submit(referral))
            return try agency.receive(skipping: ["PONG", "STATUS"])
        }

        /// The next STATUS about `id`, acknowledged.
        func status(of id: String, timeoutMilliseconds: Int = 30_000) throws -> StatusUpdate? {
            let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
            while ContinuousClock.now < deadline {
                try agency.send(.ping)
                if case .status(let update) = try agency.receive(timeoutMilliseconds: 500) {
                    try agency.send(.statusAck(sequence: update.sequence))
                    if update.referral.rawValue == id { return update }
                }
            }
            return nil
        }
    }

    static func recipientKey(_ harness: RouterHarness, _ agency: AgencyID) throws -> SealingPublicKey {
        try SealingKeyFiles.loadPublicKey("\(harness.network.directory)/keys/\(agency).seal.pub")
    }

    @Test func aPartSealedForAnotherAgencyOrReferralOrAlteredIsRefusedOrUndeliverableNeverOpened() throws {
        let harness = try RouterHarness(sealing: true)
        try harness.startRouter()
        let saposuteWorker = try harness.startWorker(Self.saposute)
        defer { _ = saposuteWorker.stop() }
        let sender = try RawSender(harness)
        #expect(try sender.agency.handshake())
        let saposuteKey = try Self.recipientKey(harness, Self.saposute)
        let secret = #"{"name":"秘匿 花子","case_number":"CASE-NEVER-OPENED"}"#

        // Plaintext, and a part sealed to another agency's key: refused by the router.
        let plain = SampleReferral.make(id: "RAW-PLAIN", from: Self.peer.rawValue, to: Self.saposute.rawValue, personal: secret)
        guard case .error(let plainError, _, _) = try sender.submit(plain) else { Issue.record("plaintext was taken"); return }
        #expect(plainError.code == .notSealed)
        var forNankoku = SampleReferral.make(id: "RAW-OTHER-AGENCY", from: Self.peer.rawValue, to: Self.saposute.rawValue)
        forNankoku.personal = try PersonalPartSealing.seal(Array(secret.utf8), for: forNankoku.routing,
                                                           to: try Self.recipientKey(harness, AgencyID("saposute.nankoku")), from: sender.ownKey)
        guard case .error(let otherError, _, _) = try sender.submit(forNankoku) else { Issue.record("another agency's envelope was taken"); return }
        #expect(otherError.code == .unknownSealingKey)

        // Sealed for another referral's id, and a flipped byte: well formed, so the router takes
        // them; the destination cannot open them and reports them undeliverable.
        var moved = SampleReferral.make(id: "RAW-MOVED", from: Self.peer.rawValue, to: Self.saposute.rawValue)
        let original = SampleReferral.make(id: "RAW-ORIGINAL", from: Self.peer.rawValue, to: Self.saposute.rawValue)
        moved.personal = try PersonalPartSealing.seal(Array(secret.utf8), for: original.routing, to: saposuteKey, from: sender.ownKey)
        var flipped = SampleReferral.make(id: "RAW-FLIPPED", from: Self.peer.rawValue, to: Self.saposute.rawValue)
        flipped.personal = try PersonalPartSealing.seal(Array(secret.utf8), for: flipped.routing, to: saposuteKey, from: sender.ownKey)
        flipped.personal[flipped.personal.count - 20] ^= 0x04
        for referral in [moved, flipped] {
            guard case .submitted(_, .submitted) = try sender.submit(referral) else { Issue.record("\(referral.id) was not taken"); return }
            let update = try #require(try sender.status(of: referral.id.rawValue), "\(harness.logs())")
            #expect(update.state == .undeliverable && update.actor == Self.saposute)
            #expect(update.detail == "433 cannot-open")
            #expect(try harness.reader().summary(of: referral.id)?.state == .undeliverable)
            #expect(try harness.reader().history(of: referral.id).map(\.state) == [.submitted, .undeliverable])
        }
        // Never opened: not in the destination's inbox or ledger.
        #expect(harness.files(Self.saposute, "inbox").isEmpty)
        #expect(try harness.ledger(Self.saposute).received().isEmpty)
        for file in Self.filesUnder(harness.folder(Self.saposute, "")) {
            #expect(file.bytes.range(of: Data("CASE-NEVER-OPENED".utf8)) == nil, "found in \(file.path)")
        }
        // A part sealed properly under the same id replaces the one that did not open.
        var resealed = moved
        resealed.personal = try PersonalPartSealing.seal(Array(secret.utf8), for: moved.routing, to: saposuteKey, from: sender.ownKey)
        guard case .submitted(_, .submitted) = try sender.submit(resealed) else { Issue.record("the resealed part was not taken"); return }
        #expect(waitUntil(.seconds(30)) { harness.files(Self.saposute, "inbox").contains("RAW-MOVED.json") }, "\(harness.logs())")
        try expectInbox(harness, Self.saposute, "RAW-MOVED", holds: ["CASE-NEVER-OPENED"])
    }

    /// Whether the router, within 30 s, passes a part sealed to `key` (saposute.kochi's) through its
    /// key check, which it does once it has read the rotated registry. The probe reuses
    /// ROT-OLD-1's id from another agency: past the key check it is refused as a conflict, so
    /// nothing is stored; before, it is refused as `432 unknown-sealing-key`.
    static func routerTakesPartsSealed(to key: SealingPublicKey, _ harness: RouterHarness) throws -> Bool {
        let municipality = AgencyID("municipality.kochi")
        let probe = try harness.agency(municipality.rawValue)
        var referral = SampleReferral.make(id: "ROT-OLD-1", from: municipality.rawValue, to: saposute.rawValue)
        let sender = try SealingKeyFiles.loadKeyPair("\(harness.network.directory)/keys/\(municipality).seal.key")
        referral.personal = try PersonalPartSealing.seal(Array("{}".utf8), for: referral.routing, to: key, from: sender)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            try probe.send(.submit(referral))
            guard case .error(let error, _, _) = try probe.receive(timeoutMilliseconds: 1_000, skipping: ["PONG", "STATUS"]) else { continue }
            if error.code == .conflict { return true }
            guard error.code == .unknownSealingKey else { Issue.record("the probe was refused with \(error.code)"); return false }
        }
        return false
    }

    /// Rewrites an agency's registry entry so that `newKey` is current and `old` previous.
    static func rotateInRegistry(_ harness: RouterHarness, to newKey: SealingPublicKey, keepingOld old: SealingPublicKey) throws {
        let path = "\(harness.network.directory)/agencies.toml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let oldLine = "    { id = \"\(old.id)\", public_key = \"\(old.hex)\" },"
        #expect(text.contains(oldLine))
        try text.replacingOccurrences(of: oldLine, with: "    { id = \"\(newKey.id)\", public_key = \"\(newKey.hex)\" },\n" + oldLine)
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func setSealingKeys(_ harness: RouterHarness, _ agency: AgencyID, _ files: [String]) throws {
        let path = harness.network.workerConfigPaths[agency]!
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("sealing_secret_keys") ? "sealing_secret_keys = [\(files.map { "\"../keys/\($0)\"" }.joined(separator: ", "))]" : String($0) }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func sealedTo(_ harness: RouterHarness, _ id: String) throws -> SealingKeyID? {
        try harness.ledger(Self.peer).sealedPersonal(of: ReferralID(rawValue: id)!).map { try SealedEnvelope.parse($0).recipientKeyID }
    }

    func routerState(_ harness: RouterHarness, _ id: String) -> HandoffState? {
        try? harness.reader().summary(of: ReferralID(rawValue: id)!)?.state
    }

    /// Referrals sealed to the old keys wait at the router while the destinations are away; both
    /// rotate; senders seal to the new keys. saposute.kochi returns holding both secret keys and
    /// opens everything. saposute.nankoku returns with only its new key (the old one dropped too
    /// early): what it cannot open is reported undeliverable, and the sender seals it again to the
    /// current key, under the same id, and it arrives.
    @Test func referralsSealedToTheOldKeyInFlightOpenAfterTheRotation() throws {
        let harness = try RouterHarness(sealing: true)
        try harness.startRouter()
        let peerWorker = try harness.startWorker(Self.peer)
        defer { _ = peerWorker.stop() }
        let nankoku = AgencyID("saposute.nankoku")
        let oldKochi = try Self.recipientKey(harness, Self.saposute)
        let oldNankoku = try Self.recipientKey(harness, nankoku)
        for number in 1...3 {
            try harness.drop(Self.document(id: "ROT-OLD-\(number)", name: "回転 旧\(number)", phone: "080-1111-000\(number)", caseNumber: "ROT-O\(number)"),
                             named: "old-\(number).json", into: Self.peer)
        }
        try harness.drop(Self.document(id: "ROT-EARLY-1", name: "回転 早", phone: "080-3333-0001", caseNumber: "ROT-E1", to: nankoku),
                         named: "early-1.json", into: Self.peer)
        let before = ["ROT-OLD-1", "ROT-OLD-2", "ROT-OLD-3", "ROT-EARLY-1"]
        #expect(waitUntil(.seconds(30)) { before.allSatisfy { routerState(harness, $0) == .submitted } }, "\(harness.logs())")
        #expect(try sealedTo(harness, "ROT-OLD-1") == oldKochi.id)
        #expect(try sealedTo(harness, "ROT-EARLY-1") == oldNankoku.id)

        // The rotation: new keys, published first with the old ones kept; the router reloads.
        let newKochi = SealingKeyPair.generate(), newNankoku = SealingKeyPair.generate()
        try SealingKeyFiles.write(newKochi, name: "saposute.kochi-2027", to: "\(harness.network.directory)/keys")
        try SealingKeyFiles.write(newNankoku, name: "saposute.nankoku-2027", to: "\(harness.network.directory)/keys")
        try Self.rotateInRegistry(harness, to: newKochi.publicKey, keepingOld: oldKochi)
        try Self.rotateInRegistry(harness, to: newNankoku.publicKey, keepingOld: oldNankoku)
        kill(harness.router!.pid, SIGHUP)
        #expect(try Self.routerTakesPartsSealed(to: newKochi.publicKey, harness), "\(harness.logs())")
        try harness.drop(Self.document(id: "ROT-NEW-1", name: "回転 新", phone: "080-2222-0001", caseNumber: "ROT-N1"),
                         named: "new-1.json", into: Self.peer)
        #expect(waitUntil(.seconds(30)) { routerState(harness, "ROT-NEW-1") == .submitted }, "\(harness.logs())")
        #expect(try sealedTo(harness, "ROT-NEW-1") == newKochi.id)

        // saposute.kochi returns holding both keys, the new one first: everything opens.
        try Self.setSealingKeys(harness, Self.saposute, ["saposute.kochi-2027.seal.key", "saposute.kochi.seal.key"])
        let kochiWorker = try harness.startWorker(Self.saposute)
        defer { _ = kochiWorker.stop() }
        let toKochi = ["ROT-OLD-1", "ROT-OLD-2", "ROT-OLD-3", "ROT-NEW-1"]
        #expect(waitUntil(.seconds(60)) { toKochi.allSatisfy { harness.files(Self.saposute, "inbox").contains("\($0).json") } }, "\(harness.logs())")
        try expectInbox(harness, Self.saposute, "ROT-OLD-2", holds: ["回転 旧2", "080-1111-0002", "ROT-O2"])
        try expectInbox(harness, Self.saposute, "ROT-NEW-1", holds: ["回転 新", "ROT-N1"])

        // saposute.nankoku returns with the new key only: undeliverable, sealed again, delivered.
        try Self.setSealingKeys(harness, nankoku, ["saposute.nankoku-2027.seal.key"])
        let nankokuWorker = try harness.startWorker(nankoku)
        defer { _ = nankokuWorker.stop() }
        #expect(waitUntil(.seconds(60)) { harness.files(nankoku, "inbox").contains("ROT-EARLY-1.json") }, "\(harness.logs())")
        try expectInbox(harness, nankoku, "ROT-EARLY-1", holds: ["回転 早", "ROT-E1"])
        #expect(waitUntil { routerState(harness, "ROT-EARLY-1") == .delivered })
        let history = try harness.reader().history(of: ReferralID(rawValue: "ROT-EARLY-1")!)
        #expect(history.map(\.state) == [.submitted, .undeliverable, .submitted, .delivered])
        #expect(history.first { $0.state == .undeliverable }?.detail == "432 unknown-sealing-key")
        #expect(try sealedTo(harness, "ROT-EARLY-1") == newNankoku.id)
        #expect(try harness.ledger(Self.peer).sent().first { $0.referral.id.rawValue == "ROT-EARLY-1" }?.state == .delivered)
    }
}
