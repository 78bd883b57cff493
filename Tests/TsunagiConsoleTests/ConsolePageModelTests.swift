import Foundation
import Testing
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTestSupport
import TsunagiTools
@testable import TsunagiConsole

/// The pages' models against a real store file: what a coordinator sees, before any HTML.
@Suite struct ConsolePageModelTests {
    @Test func unacknowledgedListsOverdueFirstWithBusinessDays() throws {
        let fixture = try ConsoleFixture()
        let data = try fixture.data()
        let model = try UnacknowledgedModel.build(filter: UnacknowledgedFilter(), data: data)
        #expect(model.rows.map(\.id) == ["SK-20261120-01", "PS-20261201-02", "PS-20261202-01"])
        #expect(model.overdueCount == 1)
        let overdue = model.rows[0]
        #expect(overdue.overdue && overdue.toName == "須崎福祉保健所" && overdue.region == "高幡")
        #expect(overdue.fromName == "こうち若者サポートステーション")
        // 11-20 (Fri) → 12-03 (Thu): 11-23 and 11-24 are a holiday and its substitute (勤労感謝の日 on Monday? no: Sunday → Monday 24).
        #expect(overdue.ageBusinessDays == data.calendar.businessDays(from: CivilDate("2026-11-20")!, to: ConsoleFixture.today))
        #expect(overdue.dueText.hasSuffix("営業日超過"))
        #expect(model.rows[1].dueText == "本日まで")
        #expect(model.rows[2].dueText == "あと1営業日" && model.rows[2].state == "到着済")
    }

    @Test func filtersByRegionStateAgencyAndOverdue() throws {
        let data = try ConsoleFixture().data()
        func ids(_ query: [String: String]) throws -> [String] {
            try UnacknowledgedModel.build(filter: UnacknowledgedFilter(query: query, data: data), data: data).rows.map(\.id)
        }
        #expect(try ids(["region": "幡多"]) == ["PS-20261202-01"])
        #expect(try ids(["region": "中央"]) == ["PS-20261201-02"])
        #expect(try ids(["state": "delivered"]) == ["PS-20261202-01"])
        #expect(try ids(["overdue": "1"]) == ["SK-20261120-01"])
        // Sent or to answer: peer-support.kochi sent one that is still open.
        #expect(try ids(["agency": "peer-support.kochi"]) == ["PS-20261202-01"])
        #expect(try ids(["agency": "", "region": "", "state": ""]).count == 3)
    }

    @Test func undeliverableReferralsAreListedInWordsAndCanBeChosen() throws {
        let fixture = try ConsoleFixture()
        try fixture.addUndeliverable("SK-20261127-01")
        let data = try fixture.data()
        let all = try UnacknowledgedModel.build(filter: UnacknowledgedFilter(), data: data)
        #expect(all.rows.map(\.id) == ["SK-20261120-01", "SK-20261127-01", "PS-20261201-02", "PS-20261202-01"])
        #expect(all.rows[1].state == "開封不能（送信元の再送待ち）" && all.rows[1].overdue)
        #expect(all.undeliverableCount == 1 && all.count == 4)
        let chosen = try UnacknowledgedModel.build(filter: UnacknowledgedFilter(query: ["state": "undeliverable"], data: data), data: data)
        #expect(chosen.rows.map(\.id) == ["SK-20261127-01"] && chosen.filter.errors.isEmpty)
        #expect(chosen.stateOptions.contains { $0.value == "undeliverable" && $0.label == "開封不能" && $0.selected })
        let submitted = try UnacknowledgedModel.build(filter: UnacknowledgedFilter(query: ["state": "submitted"], data: data), data: data)
        #expect(submitted.rows.map(\.id) == ["SK-20261120-01", "PS-20261201-02"])
    }

    @Test func unknownFilterValuesAreNamedNextToTheirField() throws {
        let data = try ConsoleFixture().data()
        let filter = UnacknowledgedFilter(query: ["agency": "nobody.here", "region": "東京", "state": "completed"], data: data)
        #expect(filter.agency == nil && filter.region == nil && filter.state == nil)
        #expect(filter.errors["agency"]?.contains("nobody.here") == true)
        #expect(filter.errors["region"]?.contains("東京") == true)
        #expect(filter.errors["state"] != nil)
    }

    @Test func historyShowsRoutingFactsAndActorsNeverThePersonalPart() throws {
        let data = try ConsoleFixture().data()
        let model = try #require(try HistoryModel.build(id: ReferralID(rawValue: "PS-20261105-01")!, data: data))
        #expect(model.events.map(\.state) == ["送信済", "受入", "完了"])
        // The staff member who accepted (the desk's login) stands beside the agency; the others named none.
        #expect(model.events.map(\.staff) == ["", "tanaka", ""])
        #expect(model.events.allSatisfy { $0.actor.contains("サポートステーション") || $0.actor.contains("ピアサポート") })
        #expect(model.facts.contains { $0.label == "結果" && $0.value == "就職" })
        let everything = "\(model)"
        #expect(!everything.contains(ConsoleFixture.plantedName) && !everything.contains(ConsoleFixture.plantedContact))
        #expect(try HistoryModel.build(id: ReferralID(rawValue: "NO-SUCH-1")!, data: data) == nil)
    }

    @Test func reportDefaultsToThisFiscalYearSoFarAndRefusesAnUnreadablePeriod() throws {
        let data = try ConsoleFixture().data()
        let model = try ReportModel.build(input: "", data: data)
        #expect(model.first == "2026-04-01" && model.last == "2026-12-03" && model.error == nil)
        #expect(model.periodLabel.hasPrefix("令和8年度"))
        #expect(model.rows.first?.name == "高知ひきこもりピアサポートセンター（本部）")
        // A declined referral is shown beside つなぎ, never inside it; the accepted-and-completed one counts.
        let kochi = try #require(model.rows.first { $0.name == "こうち若者サポートステーション" })
        #expect(kochi.referralsOut == 0 && kochi.declinedOut == 1 && kochi.awaitingOut == 1)
        let peer = try #require(model.rows.first)
        #expect(peer.referralsOut == 1 && peer.awaitingOut == 1)
        #expect(model.breakdowns.map(\.id) == ["municipality", "region", "age"])
        let bad = try ReportModel.build(input: "来年", data: data)
        #expect(bad.error?.contains("来年") == true && bad.rows.isEmpty)
        guard case .success(let csv) = try ReportModel.download(input: "R8", format: .csv, data: data) else {
            Issue.record("R8 should be a period"); return
        }
        #expect(csv.body.hasPrefix("\u{FEFF}") && csv.name.hasSuffix(".csv"))
        #expect(!csv.body.dropFirst().hasPrefix("\u{FEFF}"))
    }

    @Test func destinationBacklogsCountWhatWaits() throws {
        let data = try ConsoleFixture().data()
        let backlogs = try data.reader.destinationBacklogs(agencies: data.orderedAgencies.map(\.id))
        #expect(backlogs[AgencyID("welfare-office.susaki")]?.submitted == 1)
        #expect(backlogs[AgencyID("welfare-office.hata")]?.delivered == 1)
        #expect(backlogs[AgencyID("welfare-office.susaki")]?.oldestCreatedDay == CivilDate("2026-11-20"))
        // Status updates the senders' workers have not confirmed.
        #expect((backlogs[AgencyID("peer-support.kochi")]?.statusUpdates ?? 0) > 0)
        let model = try ConnectionsModel.build(data: data, router: .unreachable("ルーターに接続できません。"))
        #expect(model.routerProblem != nil)
        #expect(model.rows.first { $0.name == "須崎福祉保健所" }?.status == "不明")
        // The router's /agencies as its metrics server writes it.
        let body = Data("""
            {"router_started_at": "2026-12-03T08:00:00+09:00", "agencies": [
              {"agency": "saposute.kochi", "connected": true, "connected_since": "2026-12-03T09:00:00+09:00",
               "last_seen": "2026-12-03T10:00:00+09:00", "never_connected": false, "runs_worker": true},
              {"agency": "welfare-office.hata", "connected": false, "last_seen": "2026-12-03T09:30:00+09:00",
               "never_connected": false, "runs_worker": true},
              {"agency": "welfare-office.susaki", "connected": false, "never_connected": true, "runs_worker": true}]}
            """.utf8)
        let (connections, started) = try #require(RouterStatusClient.decode(body))
        let live = try ConnectionsModel.build(data: data, router: .reachable(
            Dictionary(uniqueKeysWithValues: connections.map { ($0.agency, $0) }), routerStartedAt: started))
        let kochi = try #require(live.rows.first { $0.name == "こうち若者サポートステーション" })
        #expect(kochi.status == "接続中" && kochi.since == "2026-12-03 09:00" && !kochi.problem)
        #expect(live.rows.first { $0.name == "幡多福祉保健所" }?.status == "未接続")
        #expect(live.rows.first { $0.name == "幡多福祉保健所" }?.lastSeen == "2026-12-03 09:30")
        #expect(live.rows.first { $0.name == "須崎福祉保健所" }?.status == "接続したことがない（ルーター起動 2026-12-03 08:00 以降）")
        // 高知市 runs a worker (its key is registered) but the router has no word of it.
        #expect(live.rows.first { $0.name == "高知市" }?.status.hasPrefix("接続したことがない") == true)
        #expect(live.connectedCount == 1)
    }

    @Test func reconcileResultsAreKeptBesideTheStoreAndReadBackNewestFirst() throws {
        let fixture = try ConsoleFixture()
        let reader = try StoreReader(path: fixture.storePath)
        for day in ["2026-11-20", "2026-12-02"] {
            let result = try Reconciler.run(day: CivilDate(day)!, reader: reader, now: Date())
            try ReconcileRecords.write(result, storePath: fixture.storePath)
        }
        // A link in the folder is never followed, and a broken file is named.
        let folder = ReconcileRecords.directory(forStore: fixture.storePath)
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/2026-12-03.json", withDestinationPath: "/etc/passwd")
        try Data("{".utf8).write(to: URL(fileURLWithPath: "\(folder)/2026-11-30.json"))
        let loaded = ReconcileRecords.load(storePath: fixture.storePath)
        #expect(loaded.records.map(\.result.day.description) == ["2026-12-02", "2026-11-20"])
        #expect(loaded.unreadable == ["2026-11-30.json"])
        let november = try #require(loaded.records.last?.result)
        #expect(november.referralsAtRouter == 1 && !november.allAgree)
        let model = ReconcileModel.build(data: try fixture.data())
        #expect(model.nights.last?.items.contains { $0.kind == "台帳報告の未着" } == true)
    }

    @Test func consoleConfigReadsItsSectionFromRouterToml() throws {
        let network = try NetworkInit.create(in: makeTemporaryDirectory("tsunagi-console-config") + "/net")
        let plain = try ConsoleConfig.load(path: network.routerConfigPath)
        // tsunagi init gives the router's metrics server a port of its own; the console asks there.
        #expect(plain.host == "127.0.0.1" && plain.port == 8790 && plain.routerStatusURL?.hasPrefix("http://127.0.0.1:") == true)
        #expect(plain.usersPath == "\(network.directory)/data/router/console-users")
        let text = try String(contentsOfFile: network.routerConfigPath, encoding: .utf8)
        let withoutMetrics = text.replacingOccurrences(of: "[metrics]", with: "[unused]")
        try (withoutMetrics + "\n[console]\nlisten = \"[::1]:0\"\nusers = \"console-users.toml\"\n[metrics]\nlisten = \"0.0.0.0:9999\"\n")
            .write(toFile: network.routerConfigPath, atomically: true, encoding: .utf8)
        let custom = try ConsoleConfig.load(path: network.routerConfigPath)
        #expect(custom.host == "::1" && custom.port == 0 && custom.usersPath == "\(network.directory)/console-users.toml")
        #expect(custom.routerStatusURL == "http://127.0.0.1:9999")
        try (withoutMetrics + "\n[metrics]\nlisten = \"off\"\n").write(toFile: network.routerConfigPath, atomically: true, encoding: .utf8)
        #expect(try ConsoleConfig.load(path: network.routerConfigPath).routerStatusURL == nil)
        try (text + "\n[console]\nlisten = \"8790\"\n").write(toFile: network.routerConfigPath, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try ConsoleConfig.load(path: network.routerConfigPath) }
    }
}
