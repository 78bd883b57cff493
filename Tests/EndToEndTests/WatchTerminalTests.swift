import Foundation
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport
import TsunagiTools

/// `tsunagi watch` in a real terminal (tmux, as a person would see it): the screen is fitted to
/// the window, `q` quits and the terminal's settings come back.
@Suite struct WatchTerminalTests {
    /// A network whose store holds 40 open referrals, 12 of them overdue.
    func network() throws -> NetworkInit.Result {
        let network = try NetworkInit.create(in: makeTemporaryDirectory("tsunagi-watch") + "/net")
        let store = try RouterStore(path: network.directory + "/data/router/router.sqlite")
        defer { try? store.close() }
        let agencies = ["welfare-office.susaki", "employment-base.chubu", "saposute.kochi", "peer-support.hata"]
        let today = CivilDate.today()
        var requests: [StoreRequest] = []
        for index in 0..<40 {
            var referral = SampleReferral.make(id: "SK-W-\(index < 10 ? "0" : "")\(index)", from: agencies[index % 4],
                                               to: agencies[(index + 1) % 4])
            referral.routing.createdAt = "\(today.adding(days: -20))T09:00:00+09:00"
            requests.append(.submit(referral, dueDay: index % 10 < 3 ? today.adding(days: -10) : today.adding(days: 30)))
        }
        _ = try store.apply(requests)
        return network
    }

    @Test(arguments: [(100, 15), (80, 24)])
    func fitsTheWindowAndQuitsOnQ(size: (columns: Int, rows: Int)) throws {
        let net = try network()
        let tmux = Tmux()
        defer { tmux.killServer() }
        let exitFile = net.directory + "/watch-exit"
        let tsunagi = BuiltExecutables.path("tsunagi")
        // The terminal settings are written aside and moved, so that the file is whole when it appears.
        let command = tsunagi + " watch --config " + net.routerConfigPath
            + "; echo $? > " + exitFile + "; stty -a > " + exitFile + ".part; mv " + exitFile + ".part " + exitFile + ".stty"
        try tmux.run(["new-session", "-d", "-s", "watch", "-x", "\(size.columns)", "-y", "\(size.rows)", command])

        var lines: [String] = []
        #expect(waitUntil(.seconds(30)) { lines = (try? tmux.screen("watch")) ?? []; return lines.first?.hasPrefix("未応答の紹介") == true },
                "\(lines)")
        // The title (saying how to quit), the headings, then the overdue rows first.
        #expect(lines[0].hasSuffix("q で終了"))
        #expect(lines[1].hasPrefix("ID"))
        let rows = lines.filter { $0.hasPrefix("SK-W-") }
        #expect(rows.count >= 10)
        #expect(rows.prefix(12).allSatisfy { $0.contains("!") })
        // Full ids and agency ids, never shortened.
        #expect(rows.contains { $0.contains("welfare-office.susaki") && $0.contains("employment-base.chubu") })
        #expect(lines.contains { $0.hasPrefix("… and \(40 - rows.count) more") })
        #expect(lines.contains { $0.hasPrefix("40 unacknowledged, 12 overdue") })

        try tmux.run(["send-keys", "-t", "watch", "q"])
        #expect(waitUntil(.seconds(10)) { FileManager.default.fileExists(atPath: exitFile + ".stty") })
        #expect((try? String(contentsOfFile: exitFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // The terminal is back in line mode with echo.
        let stty = (try? String(contentsOfFile: exitFile + ".stty", encoding: .utf8)) ?? ""
        #expect(stty.contains(" icanon") && !stty.contains("-icanon"))
        #expect(stty.contains(" echo ") && !stty.contains("-echo "))
    }
}
