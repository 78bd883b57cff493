import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport
import TsunagiTools

/// The console as a coordinator meets it: the real router and workers on a seed network, the real
/// `tsunagi console`, and Debian's chromium driven by selenium (Tests/browser/console.py).
/// With TSUNAGI_SCREENSHOTS=DIR the script also saves a PNG of each page there (docs/screenshots).
@Suite(.serialized, .timeLimit(.minutes(6)))
struct ConsoleBrowserTests {
    static let plantedName = "秘密 花子"

    static func document(id: String, from: AgencyID, to: AgencyID, created: CivilDate, due: CivilDate? = nil) -> String {
        let dueField = due.map { #", "due_date": "\#($0)""# } ?? ""
        return """
            {"routing": {"id": "\(id)", "from": "\(from)", "to": "\(to)", "created_at": "\(created)T09:30:00+09:00",
                         "needs": ["employment", "place-to-belong"], "age_band": "20s", "sex": "unknown", "municipality": "須崎市",
                         "consent": {"basis": "person", "obtained_on": "\(created)", "recorded_by": "相談員A"}\(dueField)},
             "personal": {"name": "\(plantedName)", "contact": "090-1234-5678", "case_number": "\(id)-case"}}
            """
    }

    /// Runs a built executable to its end with `input` on standard input.
    static func run(_ executable: String, _ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let result = try runCommand(executable, arguments, input: input)
        return (result.timedOut ? -1 : result.status, result.output)
    }

    static func answers(_ url: String) async -> Bool {
        guard let url = URL(string: url) else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        guard let (_, response) = try? await session.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    @Test func aCoordinatorWatchesFollowsDownloadsAndFilters() async throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let today = CivilDate.today()
        let sender = AgencyID("peer-support.kochi")
        let workers = try [sender, AgencyID("saposute.kochi"), AgencyID("welfare-office.hata")].map { try harness.startWorker($0) }
        defer { workers.forEach { $0.stop() } }

        // What waits: one long overdue at 須崎福祉保健所 (no worker: stays submitted), one each for
        // こうち若者サポートステーション (中央) and 幡多福祉保健所 (幡多), which their workers take.
        let longAgo = today.adding(days: -20)
        let overdueID = "PS-\(longAgo.description.replacingOccurrences(of: "-", with: ""))-01"
        let planted = [
            (overdueID, AgencyID("welfare-office.susaki"), longAgo, Optional(longAgo.adding(days: 5))),
            ("PS-\(today.description.replacingOccurrences(of: "-", with: ""))-01", AgencyID("saposute.kochi"), today, nil),
            ("PS-\(today.description.replacingOccurrences(of: "-", with: ""))-02", AgencyID("welfare-office.hata"), today, nil),
        ]
        for (id, destination, created, due) in planted {
            try harness.drop(Data(Self.document(id: id, from: sender, to: destination, created: created, due: due).utf8),
                             named: "\(id).json", into: sender)
        }
        let reader = try harness.reader()
        #expect(try waitUntil(.seconds(60)) {
            try planted.allSatisfy { try reader.summary(of: ReferralID(rawValue: $0.0)!) != nil }
        }, "the planted referrals reach the router: \(harness.logs())")

        // Last night's reconcile, as the timer runs it: the console reads what it kept.
        let config = harness.network.routerConfigPath
        let reconcile = try Self.run("tsunagi", ["reconcile", "--config", config, "--date", longAgo.description, "--no-repair"])
        #expect([0, 1].contains(reconcile.status), "\(reconcile.output)")

        // An account, the password from standard input as an operator types it.
        let added = try Self.run("tsunagi", ["console", "user", "add", "chosei", "--config", config], input: "console-pass-1\n")
        #expect(added.status == 0, "\(added.output)")
        let listed = try Self.run("tsunagi", ["console", "user", "list", "--config", config])
        #expect(listed.output.split(separator: "\n").contains("chosei"), "\(listed.output)")

        let port = try NetworkInit.freeLoopbackPort()
        let console = try DaemonProcess("tsunagi", ["console", "--config", config, "--listen", "127.0.0.1:\(port)"],
                                        logDirectory: harness.directory, name: "console")
        defer { console.stop() }
        let url = "http://127.0.0.1:\(port)"
        // The browser starts only once the console answers: a slow start under load must not send
        // selenium to a port nobody listens on yet.
        let deadline = ContinuousClock.now + .seconds(90)
        var up = await Self.answers(url + "/login")
        while !up, console.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            up = await Self.answers(url + "/login")
        }
        try #require(up, "the console answers on \(url) (running: \(console.isRunning)): \(console.log)")

        let folder = makeTemporaryDirectory("tsunagi-console-browser")
        let downloads = "\(folder)/downloads"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let screenshots = ProcessInfo.processInfo.environment["TSUNAGI_SCREENSHOTS"].map { path in
            path.hasPrefix("/") ? path : TestPython.packageRoot.appendingPathComponent(path).path
        }
        let newID = "PS-\(today.description.replacingOccurrences(of: "-", with: ""))-03"
        let settings: [String: Any] = [
            "url": url, "user": "chosei", "password": "console-pass-1", "planted_name": Self.plantedName,
            "open_ids": planted.map(\.0), "overdue_id": overdueID, "new_id": newID,
            "new_document": Self.document(id: newID, from: sender, to: AgencyID("employment-base.seibu"), created: today),
            "outbox": harness.folder(sender, "outbox"), "downloads": downloads, "screenshots": screenshots ?? "",
            "period": "R\(ReportPeriod.fiscalYear(containing: today).first.year - 2018)", "region": "幡多",
            "reconcile_day": longAgo.description,
            "connected_names": ["高知ひきこもりピアサポートセンター（本部）", "こうち若者サポートステーション", "幡多福祉保健所"],
        ]
        let settingsPath = "\(folder)/settings.json"
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: settingsPath))

        let script = TestPython.packageRoot.appendingPathComponent("Tests/browser/console.py").path
        let browser = try runToEnd(TestPython.executable, [script, settingsPath])
        let printed = browser.output
        #expect(browser.succeeded && printed.contains("checks passed"),
                "\(printed)\n== console\n\(console.log.suffix(3000))\n\(harness.logs())")
        // The console's own log never carries the person either.
        #expect(!console.log.contains(Self.plantedName))
    }
}
