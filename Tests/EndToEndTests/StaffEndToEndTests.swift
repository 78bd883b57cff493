import Foundation
import Testing
import TsunagiCore
import TsunagiStore

/// What agency staff meet, over the real router and worker executables: every kind runs, answers
/// are checked at the command, refusals are told in Japanese, and mistakes in a config or a key are
/// named at start-up or within seconds.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StaffEndToEndTests {
    static let peer = AgencyID("peer-support.kochi")
    static let saposute = AgencyID("saposute.kochi")
    static let susaki = AgencyID("municipality.susaki")
    static let peerName = "高知ひきこもりピアサポートセンター（本部）"

    static func document(id: String, from: AgencyID = peer, to: AgencyID = saposute) -> Data {
        WorkerEndToEndTests.document(id: id, from: from, to: to)
    }

    /// Runs an agency command in Japanese.
    func staff(_ network: TestNetwork, _ agency: AgencyID, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await network.command(agency, arguments + ["--lang", "ja"])
    }

    /// Runs `executable` with `arguments` to its end.
    func run(_ network: TestNetwork, _ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let child = try Child(name: executable, executable: BuiltExecutables.path(executable), arguments: arguments,
                              logPath: (network.directory as NSString).appendingPathComponent("run-\(UUID().uuidString).out"))
        network.children.add(child)
        try await waitUntil("\(executable) \(arguments.joined(separator: " ")) ends", timeout: .seconds(20)) { !child.isRunning }
        return (child.exitStatus ?? -1, child.log)
    }

    /// A copy of `agency`'s config with some lines changed, beside the original.
    func config(_ network: TestNetwork, _ agency: AgencyID, name: String, _ change: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: network.config(agency), encoding: .utf8)
        let path = ((network.config(agency) as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        try change(text).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The connection trouble the running daemon wrote into its state file.
    func trouble(_ network: TestNetwork, _ agency: AgencyID) throws -> String? {
        let data = try Data(contentsOf: URL(fileURLWithPath: network.folder(agency, "worker-state.json")))
        let state = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (state?["trouble"] as? [String: Any])?["code"] as? String
    }

    func json(_ text: String) throws -> [String: Any] {
        let start = try #require(text.firstIndex(of: "{"))
        return try #require(try JSONSerialization.jsonObject(with: Data(text[start...].utf8)) as? [String: Any])
    }

    @Test func aMunicipalityWorkerReceivesAndAnswersInJapanese() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            try await network.startWorker(Self.susaki)
            try network.drop(Self.document(id: "PS-MU1", to: Self.susaki), named: "PS-MU1.json", into: Self.peer)
            try await waitUntil("the referral is in 須崎市's inbox") { network.files(Self.susaki, "inbox").contains("PS-MU1.json") }

            let inbox = try await staff(network, Self.susaki, ["inbox"])
            #expect(inbox.status == 0, "\(inbox.output)")
            #expect(inbox.output.contains("PS-MU1") && inbox.output.contains("\(Self.peerName)から"))
            #expect(inbox.output.contains("就労・居場所") && inbox.output.contains("20代 男性") && inbox.output.contains("期限"))
            let listed = try json(try await staff(network, Self.susaki, ["inbox", "--json"]).output)
            let item = try #require((listed["referrals"] as? [[String: Any]])?.first)
            #expect(item["id"] as? String == "PS-MU1" && item["from_name"] as? String == Self.peerName)
            #expect(item["due_date"] as? String != nil && item["overdue"] as? Bool != nil)

            let shown = try await staff(network, Self.susaki, ["show", "PS-MU1"])
            #expect(shown.status == 0 && shown.output.contains("山田 太郎") && shown.output.contains("本人（2026-11-20 取得"))
            #expect(shown.output.contains("氏名: 山田 太郎") && shown.output.contains("2026-11-27 09:30"))
            let english = try await network.command(Self.susaki, ["show", "PS-MU1", "--lang", "en"])
            #expect(english.output.contains("from: \(Self.peerName) (peer-support.kochi)") && english.output.contains("male"))

            #expect(try await staff(network, Self.susaki, ["accept", "PS-MU1", "--staff", "山田 花子"]).status == 0)
            let completed = try await staff(network, Self.susaki, ["complete", "PS-MU1", "--outcome", "支援開始"])
            #expect(completed.status == 0, "\(completed.output)")
            try await waitUntil("the sender hears of the completion") { try network.sentState(Self.peer, "PS-MU1") == .completed }
            #expect(try network.ledger(Self.peer).sent().first?.detail == "支援開始")

            // The day's ledger names the agencies as the registry does, each with its id.
            let report = try await staff(network, Self.peer, ["ledger", "report", "--date", "2026-11-27"])
            #expect(report.status == 0, "\(report.output)")
            #expect(report.output.contains("\(Self.peerName)（peer-support.kochi）の台帳（2026-11-27）: 1 件"), "\(report.output)")
            #expect(report.output.contains("送信先 須崎市 健康推進課（municipality.susaki）  完了: 1 件"), "\(report.output)")
            let englishReport = try await network.command(Self.peer, ["ledger", "report", "--date", "2026-11-27", "--lang", "en"])
            #expect(englishReport.output.contains("to 須崎市 健康推進課 (municipality.susaki)  completed: 1"), "\(englishReport.output)")
            // The staff member named at the command went to the router with the acceptance (the
            // staff frame); the completion named nobody and the router recorded nobody.
            let history = try StoreReader(path: network.storePath).history(of: ReferralID(rawValue: "PS-MU1")!)
            #expect(history.map(\.state) == [.submitted, .delivered, .accepted, .completed])
            #expect(history.map(\.staff) == [nil, nil, "山田 花子", nil])
            let coordinators = try await run(network, "tsunagi", ["show", "PS-MU1", "--store", network.storePath, "--json"])
            #expect(coordinators.status == 0, "\(coordinators.output)")
            let events = try #require(try json(coordinators.output)["history"] as? [[String: Any]])
            #expect(events.compactMap { $0["staff"] as? String } == ["山田 花子"])
            // A name the router could not take is refused at the command, and nothing is queued.
            let refused = try await staff(network, Self.susaki, ["accept", "PS-MU1", "--staff", "山田\n花子"])
            #expect(refused.status == 1 && refused.output.contains("担当者名"), "\(refused.output)")
        }
    }

    @Test func aWorkerRefusesAnAgencyOfAnotherKind() async throws {
        try await withNetwork { network in
            let result = try await run(network, "tsunagi-saposute", ["run", "--config", network.config(Self.susaki), "--lang", "ja"])
            #expect(result.status == 2)
            #expect(result.output.contains("municipality.susaki（須崎市 健康推進課） は種別 municipality の機関です"))
            #expect(result.output.contains("tsunagi-municipality で動かしてください"))
            #expect(!FileManager.default.fileExists(atPath: network.folder(Self.susaki, "ledger.sqlite")))
        }
    }

    @Test func eachAnswerTheStateDoesNotAllowIsRefusedAtTheCommandAndNothingIsSent() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            try await network.startWorker(Self.saposute)
            for id in ["SK-D", "SK-C", "SK-W"] {
                try network.drop(Self.document(id: id), named: "\(id).json", into: Self.peer)
            }
            try await waitUntil("all three are delivered") {
                try ["SK-D", "SK-C", "SK-W"].allSatisfy { try network.sentState(Self.peer, $0) == .delivered }
            }
            #expect(try await staff(network, Self.saposute, ["decline", "SK-D", "--reason", "定員のため"]).status == 0)
            #expect(try await staff(network, Self.saposute, ["accept", "SK-C"]).status == 0)
            #expect(try await staff(network, Self.saposute, ["accept", "SK-W"]).status == 0)
            try await waitUntil("the router applied the three answers") {
                try network.routerState("SK-D") == .declined && network.routerState("SK-C") == .accepted && network.routerState("SK-W") == .accepted
            }
            #expect(try await staff(network, Self.saposute, ["complete", "SK-C", "--outcome", "就職"]).status == 0)
            try await waitUntil("the router applied the completion") { try network.routerState("SK-C") == .completed }
            try await waitUntil("the sender heard of the acceptance") { try network.sentState(Self.peer, "SK-W") == .accepted }

            // The destination's ledger has recorded what the router applied before it is counted.
            try await waitUntil("the destination's ledger heard the router on every answer") {
                try network.receivedState(Self.saposute, "SK-C") == .completed && network.ledger(Self.saposute).queuedAnswers().isEmpty
            }
            let before = try network.ledger(Self.saposute).counts().events
            let refusals: [(AgencyID, [String], String)] = [
                (Self.saposute, ["accept", "SK-D"], "SK-D は"),
                (Self.saposute, ["complete", "SK-C", "--outcome", "修学"], "完了（就職）として記録済みです"),
                (Self.saposute, ["decline", "SK-C", "--reason", "やはり無理"], "完了（就職）として記録済みです"),
                (Self.peer, ["withdraw", "SK-W", "--reason", "本人の希望"], "受け入れ後は取り下げられません"),
                (Self.peer, ["accept", "SK-D"], "受け入れ・受け入れできないとの回答・完了は紹介先の"),
                (Self.saposute, ["withdraw", "SK-C", "--reason", "x"], "取り下げは紹介元"),
                // A reason or outcome left out is refused in Japanese too, not as a usage error.
                (Self.saposute, ["decline", "SK-W"], "受け入れできないとの回答には理由が必要です"),
                (Self.saposute, ["complete", "SK-W"], "完了には成果が必要です（--outcome 就職 / 修学 / 職場体験）"),
                (Self.peer, ["withdraw", "SK-W"], "取り下げには理由が必要です"),
                // An id typed full-width, as it may stand in the sheet, is the referral's id.
                (Self.saposute, ["accept", "ＳＫ－Ｄ"], "受け入れできないと回答済みです（定員のため）"),
            ]
            for (agency, arguments, sentence) in refusals {
                let result = try await staff(network, agency, arguments)
                #expect(result.status == 1, "\(arguments): \(result.output)")
                #expect(result.output.contains(sentence) && !result.output.contains("記録しました"), "\(arguments): \(result.output)")
            }
            // The day in the first sentence is the router's day of the decline, in Japan time.
            let declinedAgain = try await staff(network, Self.saposute, ["accept", "SK-D"])
            #expect(declinedAgain.output.contains("が受け入れできないと回答済みです（定員のため）"))
            #expect(declinedAgain.output.range(of: #"SK-D は\d+月\d+日にこうち若者サポートステーションが"#, options: .regularExpression) != nil)
            // Nothing queued, nothing sent, nothing changed at the router.
            for agency in [Self.peer, Self.saposute] {
                #expect(try network.ledger(agency).queuedAnswers().isEmpty)
                #expect(try network.ledger(agency).refusedAnswers().isEmpty)
            }
            #expect(try network.ledger(Self.saposute).counts().events == before)
            #expect(try network.routerState("SK-D") == .declined && network.routerState("SK-C") == .completed
                    && network.routerState("SK-W") == .accepted)
            // The same answer again is not a refusal, and sends nothing new.
            let repeated = try await staff(network, Self.saposute, ["complete", "SK-C", "--outcome", "就職"])
            #expect(repeated.status == 0 && repeated.output.contains("新しく送るものはありません"))
            #expect(try network.ledger(Self.saposute).queuedAnswers().isEmpty)
        }
    }

    @Test func aRouterRefusalIsShownByStatusInboxAndSentAndAWithdrawalErasesThePerson() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            let destination = try await network.startWorker(Self.saposute)
            try network.drop(Self.document(id: "PS-R1"), named: "PS-R1.json", into: Self.peer)
            try await waitUntil("it is delivered") { network.files(Self.saposute, "inbox").contains("PS-R1.json") }
            // The destination's worker is down while the sender withdraws: its ledger still shows
            // the referral waiting, so the command takes an acceptance the router will refuse.
            await destination.stop()
            #expect(try await staff(network, Self.peer, ["withdraw", "PS-R1", "--reason", "本人の希望"]).status == 0)
            try await waitUntil("the router applied the withdrawal") { try network.routerState("PS-R1") == .withdrawn }
            let accepted = try await staff(network, Self.saposute, ["accept", "PS-R1"])
            #expect(accepted.status == 0, "\(accepted.output)")
            // A copy that never lost its temp name waits for ever: status says so.
            try Data("{}".utf8).write(to: URL(fileURLWithPath: network.folder(Self.saposute, "outbox/紹介.csv.tmp")))
            let stopped = try await staff(network, Self.saposute, ["status"])
            #expect(stopped.status == 3 && stopped.output.contains("止まっています") && stopped.output.contains("PS-R1 の受け入れをルーターへ送信待ち"))
            #expect(stopped.output.contains("outbox の書きかけとみなすファイル 1 件（紹介.csv.tmp）"), "\(stopped.output)")
            #expect(!stopped.output.contains("outbox のファイル 1 件"), "\(stopped.output)")

            try await network.startWorker(Self.saposute)
            try await waitUntil("the router's refusal is in the ledger") { try !network.ledger(Self.saposute).refusedAnswers().isEmpty }
            try await waitUntil("the withdrawal reached the destination") { try network.receivedState(Self.saposute, "PS-R1") == .withdrawn }
            let status = try await staff(network, Self.saposute, ["status"])
            #expect(status.status == 0, "\(status.output)")
            #expect(status.output.contains("ルーターにつながっています"))
            #expect(status.output.contains("PS-R1 の受け入れ") && status.output.contains("今の状態ではできない操作です"))
            #expect(status.output.contains("（413 invalid-transition）"), "\(status.output)")
            // The router's English sentence is for --lang en; the Japanese lines carry none of it.
            #expect(!status.output.contains("referral PS-R1 is withdrawn"), "\(status.output)")
            let statusEnglish = try await network.command(Self.saposute, ["status", "--lang", "en"])
            #expect(statusEnglish.output.contains("referral PS-R1 is withdrawn"), "\(statusEnglish.output)")
            let statusJSON = try json(try await staff(network, Self.saposute, ["status", "--json"]).output)
            let refused = try #require((statusJSON["refused"] as? [String: Any])?["answers"] as? [[String: Any]])
            #expect(refused.first?["id"] as? String == "PS-R1" && refused.first?["error_code"] as? Int == 413)
            #expect((statusJSON["daemon"] as? [String: Any])?["connected"] as? Bool == true)
            let inbox = try await staff(network, Self.saposute, ["inbox", "--all"])
            #expect(inbox.output.contains("受け入れ") && inbox.output.contains("ルーターが受け付けませんでした"))

            // The withdrawal took the person's details away: the inbox file and the ledger's copy.
            #expect(!network.files(Self.saposute, "inbox").contains("PS-R1.json"))
            let shown = try await staff(network, Self.saposute, ["show", "PS-R1"])
            #expect(shown.output.contains("消去しました") && !shown.output.contains("山田"))
            #expect(try network.ledger(Self.saposute).received().first?.referral.personal.isEmpty == true)
        }
    }

    @Test func aWrongRouterKeyOrAnUnregisteredKeyIsNamedWithinSeconds() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            // Another agency's public key in place of the router's.
            let wrongRouter = try config(network, Self.saposute, name: "wrong-router-key.toml") {
                $0.replacingOccurrences(of: "../keys/router.pub", with: "../keys/peer-support.kochi.pub")
            }
            let worker = try Child(name: "wrong-key", executable: BuiltExecutables.path("tsunagi-saposute"),
                                   arguments: ["run", "--config", wrongRouter],
                                   logPath: (network.directory as NSString).appendingPathComponent("wrong-router-key.log"))
            network.children.add(worker)
            let started = ContinuousClock.now
            try await waitUntil("the worker's state names the handshake failure", timeout: .seconds(15)) {
                try self.trouble(network, Self.saposute) == "handshake-failed"
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(worker.log.contains("router_public_key is probably not this router's key"))
            let status = try await run(network, "tsunagi-saposute", ["status", "--config", wrongRouter, "--lang", "ja"])
            #expect(status.status == 4 && status.output.contains("router_public_key がこのルーターの鍵ではないようです"))
            await worker.stop()

            // The router's own key pair in place of the agency's: a key the registry does not list.
            let unregistered = try config(network, Self.peer, name: "unregistered-key.toml") {
                $0.replacingOccurrences(of: "../keys/peer-support.kochi.key", with: "../keys/router.key")
            }
            let stranger = try Child(name: "stranger", executable: BuiltExecutables.path("tsunagi-peer-support"),
                                     arguments: ["run", "--config", unregistered],
                                     logPath: (network.directory as NSString).appendingPathComponent("unregistered-key.log"))
            network.children.add(stranger)
            try await waitUntil("the worker's state names the refused key", timeout: .seconds(15)) {
                try self.trouble(network, Self.peer) == "key-not-accepted"
            }
            #expect(stranger.log.contains("the router refused this agency's key (ZAP 400)"))
            await stranger.stop()
        }
    }

    @Test func configMistakesAreRefusedAtStartUpWithASentence() async throws {
        try await withNetwork { network in
            let cases: [(String, (String) -> String, String)] = [
                ("typo.toml", { $0.replacingOccurrences(of: "agency = \"saposute.kochi\"", with: "agency = \"saposute.kochl\"") },
                 "agency = \"saposute.kochl\" is not in the registry"),
                ("endpoint.toml", { $0.replacingOccurrences(of: "tcp://", with: "") }, "router_endpoint '127.0.0.1:"),
                ("unknown.toml", { "log_levle = \"debug\"\n" + $0 }, "unknown setting 'log_levle'"),
                ("missing.toml", { $0.replacingOccurrences(of: "router_endpoint = ", with: "# router_endpoint = ") },
                 "the setting 'router_endpoint' is missing"),
                ("data-dir.toml", { $0.replacingOccurrences(of: "../data/saposute.kochi", with: "../data/saposute.kochl") },
                 "data_dir = \""),
            ]
            for (name, change, sentence) in cases {
                let path = try config(network, Self.saposute, name: name, change)
                let result = try await run(network, "tsunagi-saposute", ["run", "--config", path, "--lang", "en"])
                #expect(result.status == 2, "\(name): \(result.output)")
                #expect(result.output.contains(sentence), "\(name): \(result.output)")
            }
            let missing = try await run(network, "tsunagi-saposute", ["run", "--config", try config(network, Self.saposute, name: "missing2.toml") {
                $0.replacingOccurrences(of: "router_endpoint = ", with: "# router_endpoint = ")
            }])
            #expect(!missing.output.contains("router_endpoint.router_endpoint"))
            // The staff's commands say the same in Japanese, and what to do.
            let folder = (network.config(Self.saposute) as NSString).deletingLastPathComponent
            let staffCases: [(String, String)] = [
                ("data-dir.toml", "設定の data_dir（"),
                ("unknown.toml", "設定ファイルに誤りがあります（直すのはシステム管理者です）: "),
                ("no-such.toml", "がありません。パスを確かめてください。"),
            ]
            for (name, sentence) in staffCases {
                let result = try await run(network, "tsunagi-saposute",
                                           ["inbox", "--config", (folder as NSString).appendingPathComponent(name), "--lang", "ja"])
                #expect(result.status == 2 && result.output.contains(sentence), "\(name): \(result.output)")
                #expect(!result.output.contains("ワーカーを一度起動"), "\(name): \(result.output)")
            }
            #expect(!FileManager.default.fileExists(atPath: (network.directory as NSString).appendingPathComponent("data/saposute.kochl")))

            // Two workers on one config: the second refuses.
            try await network.startRouter()
            try await network.startWorker(Self.saposute)
            let second = try await run(network, "tsunagi-saposute", ["run", "--config", network.config(Self.saposute), "--lang", "ja"])
            #expect(second.status == 2 && second.output.contains("別のワーカーがすでに動いています"))
        }
    }

    @Test func aGroupWritableDataDirIsSharedWithTheStaffGroupAndKeysAreNot() async throws {
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        try await withNetwork { network in
            // As the worker unit makes it: StateDirectoryMode=2770.
            chmod(network.dataDirectory(Self.saposute), 0o2770)
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            try await network.startWorker(Self.saposute)
            try network.drop(Self.document(id: "PS-G1"), named: "PS-G1.json", into: Self.peer)
            try await waitUntil("it is delivered") { network.files(Self.saposute, "inbox").contains("PS-G1.json") }
            #expect(try mode(network.folder(Self.saposute, "outbox")) & 0o7777 == 0o2770)
            #expect(try mode(network.folder(Self.saposute, "rejected")) & 0o7777 == 0o2770)
            #expect(try mode(network.folder(Self.saposute, "inbox")) & 0o7777 == 0o2750)
            #expect(try mode(network.folder(Self.saposute, "sent")) & 0o7777 == 0o2750)
            #expect(try mode(network.folder(Self.saposute, "ledger.sqlite")) == 0o660)
            #expect(try mode(network.folder(Self.saposute, "inbox/PS-G1.json")) == 0o640)
            #expect(try mode(network.folder(Self.saposute, "worker-state.json")) == 0o640)
            #expect(try mode(network.folder(Self.saposute, "worker.lock")) == 0o640)
            // A data_dir of mode 0700 keeps everything owner-only.
            #expect(try mode(network.folder(Self.peer, "outbox")) & 0o077 == 0)
            #expect(try mode(network.folder(Self.peer, "ledger.sqlite")) == 0o600)
            #expect(try mode((network.directory as NSString).appendingPathComponent("keys/saposute.kochi.key")) == 0o600)
        }
    }

    @Test func theConfigIsFoundWithoutConfigWhenTheMachineHasOneAgency() async throws {
        try await withNetwork { network in
            let folder = (network.directory as NSString).appendingPathComponent("etc-workers")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let text = try String(contentsOfFile: network.config(Self.saposute), encoding: .utf8)
                .replacingOccurrences(of: "\"../", with: "\"\(network.directory)/")
            try text.write(toFile: (folder as NSString).appendingPathComponent("saposute.kochi.toml"), atomically: true, encoding: .utf8)
            setenv("TSUNAGI_WORKER_CONFIG_DIR", folder, 1)
            defer { unsetenv("TSUNAGI_WORKER_CONFIG_DIR") }
            let status = try await run(network, "tsunagi-saposute", ["status", "--lang", "ja"])
            // The worker has never run: the ledger is not there yet, and the sentence says how to start it.
            #expect(status.status == 2 && status.output.contains("saposute.kochi"), "\(status.output)")
            try text.write(toFile: (folder as NSString).appendingPathComponent("saposute.nankoku.toml"), atomically: true, encoding: .utf8)
            let several = try await run(network, "tsunagi-saposute", ["status", "--lang", "ja"])
            #expect(several.status == 2 && several.output.contains("設定ファイルが複数あります（saposute.kochi.toml, saposute.nankoku.toml）"))
        }
    }
}
