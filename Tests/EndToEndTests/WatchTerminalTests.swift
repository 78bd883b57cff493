import Foundation
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport
import TsunagiTools

/// `tsunagi watch` in a real terminal (tmux, as a person would see it): the screen is fitted to
/// the window, `q` quits and the terminal's settings come back.
@Suite struct WatchTerminalTests {
    /// Runs tmux on a server of this test's own.
    struct Tmux {
        let socket = "tsunagi-watch-\(UUID().uuidString.prefix(8))"

        let screenFile = NSTemporaryDirectory() + "tsunagi-watch-screen-\(UUID().uuidString)"

        /// Runs a tmux command and waits for it. Spawned and reaped here rather than through
        /// Foundation's Process: the tmux server that `new-session` forks keeps the descriptors
        /// Process watches to see its child end, and the wait would never return.
        func run(_ arguments: [String]) throws {
            let argv = (["/usr/bin/tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            // No signal blocked or ignored: the test's threads block signals, and a tmux server
            // that inherited that mask would never notice its panes end nor obey kill-server.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var noSignals = sigset_t()
            sigemptyset(&noSignals)
            var allSignals = sigset_t()
            sigfillset(&allSignals)
            posix_spawnattr_setsigmask(&attributes, &noSignals)
            posix_spawnattr_setsigdefault(&attributes, &allSignals)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, &attributes, argv, environ)
            guard spawned == 0 else { throw CocoaError(.executableLoad) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        }

        /// The window's text, line by line, through a file.
        func screen() throws -> [String] {
            try? FileManager.default.removeItem(atPath: screenFile)
            try run(["capture-pane", "-t", "watch", ";", "save-buffer", screenFile, ";", "delete-buffer"])
            return try String(contentsOfFile: screenFile, encoding: .utf8).components(separatedBy: "\n")
        }
    }

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
        defer { try? tmux.run(["kill-server"]) }
        let exitFile = net.directory + "/watch-exit"
        let tsunagi = try BuiltExecutables.path("tsunagi")
        let command = tsunagi + " watch --config " + net.routerConfigPath
            + "; echo $? > " + exitFile + "; stty -a > " + exitFile + ".stty"
        try tmux.run(["new-session", "-d", "-s", "watch", "-x", "\(size.columns)", "-y", "\(size.rows)", command])

        var lines: [String] = []
        #expect(waitUntil(.seconds(30)) { lines = (try? tmux.screen()) ?? []; return lines.first?.hasPrefix("未応答の紹介") == true },
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
