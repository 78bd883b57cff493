import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTools
#if canImport(Glibc)
import Glibc
#endif

/// The built demo where people really run it: in a terminal that gets closed, and in a pipeline
/// whose reader goes away. Neither may leave the router or a worker running.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct DemoTerminalTests {
    /// A process and its descendants, from /proc.
    struct ProcessTree {
        struct Entry: Equatable {
            let pid: Int32
            let parent: Int32
            let command: String
        }

        static func all() -> [Entry] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.compactMap { name -> Entry? in
                guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                // A zombie has ended; only its parent has not reaped it yet.
                guard fields.count > 1, fields[0] != "Z", fields[0] != "X", let parent = Int32(fields[1]) else { return nil }
                return Entry(pid: pid, parent: parent, command: String(stat[stat.index(after: open)..<close]))
            }
        }

        static func descendants(of root: Int32) -> [Entry] {
            let entries = all()
            var found: [Entry] = []
            var frontier: Set<Int32> = [root]
            while !frontier.isEmpty {
                let next = entries.filter { frontier.contains($0.parent) && !found.contains($0) }
                found += next
                frontier = Set(next.map(\.pid))
            }
            return found
        }

        static func isAlive(_ pid: Int32) -> Bool { all().contains { $0.pid == pid } }
    }

    /// The demo's router and workers (and a staff command it may be running): the `tsunagi-…`
    /// processes under it.
    static func daemons(under root: Int32) -> [ProcessTree.Entry] {
        ProcessTree.descendants(of: root).filter { $0.command.hasPrefix("tsunagi-") }
    }

    /// The kernel's names (15 bytes) of the router and the four workers.
    static let networkCommands: Set<String> = ["tsunagi-router", "tsunagi-peer-su", "tsunagi-saposut", "tsunagi-employm", "tsunagi-welfare"]

    /// The demo's coordinators' console: the `tsunagi console` under `root` and the port it was
    /// given (`--listen 127.0.0.1:PORT`, read from its command line).
    static func console(under root: Int32) -> (pid: Int32, port: Int)? {
        for entry in ProcessTree.descendants(of: root) where entry.command == "tsunagi" {
            guard let line = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry.pid)/cmdline")) else { continue }
            let arguments = String(decoding: line, as: UTF8.self).split(separator: "\0").map(String.init)
            guard arguments.count > 1, arguments[1] == "console", let listen = arguments.firstIndex(of: "--listen"),
                  listen + 1 < arguments.count, let port = arguments[listen + 1].split(separator: ":").last.flatMap({ Int($0) })
            else { continue }
            return (entry.pid, port)
        }
        return nil
    }

    /// Ready to be interrupted: the network is up, every worker's ledger report is in the store.
    static func networkIsUp(_ varDirectory: String) -> Bool {
        let store = "\(varDirectory)/latest/data/router/router.sqlite"
        guard FileManager.default.fileExists(atPath: store),
              let reports = try? StoreReader(path: store).ledgerReports(for: .today()) else { return false }
        return reports.count == 4
    }

    @Test("tmux kill-session: the closed terminal stops the router, every worker and the console")
    func closedTerminal() async throws {
        let directory = makeTemporaryDirectory("tsunagi-demo-tmux")
        let tmux = Tmux()
        let command = "exec \(BuiltExecutables.path("tsunagi")) demo --var \(directory)/var --keep-running"
        try tmux.run(["new-session", "-d", "-s", "demo", "-x", "160", "-y", "40", command])
        defer { tmux.killServer() }
        let pane = try #require(Int32(try tmux.run(["list-panes", "-t", "demo", "-F", "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        try await waitUntil("the demo's network is up in the terminal", timeout: .seconds(120)) { Self.networkIsUp("\(directory)/var") }
        let daemons = Self.daemons(under: pane)
        #expect(Set(daemons.map(\.command)) == Self.networkCommands, "\(daemons)")
        defer { for daemon in daemons { kill(daemon.pid, SIGKILL) } }
        // Kept running, the demo serves the coordinators' console too, with the demo login.
        try await waitUntil("the demo's console answers", timeout: .seconds(60)) {
            guard let console = Self.console(under: pane) else { return false }
            return DemoServices.answers("http://127.0.0.1:\(console.port)/login")
        }
        let console = try #require(Self.console(under: pane))
        defer { kill(console.pid, SIGKILL) }
        let login = try await Self.logIn(port: console.port, user: DemoServices.consoleLogin.user,
                                         password: DemoServices.consoleLogin.password)
        #expect(login, "the demo login opens the console")

        try tmux.run(["kill-session", "-t", "demo"])
        try await waitUntil("the demo, the router, the workers and the console have ended", timeout: .seconds(40)) {
            !ProcessTree.isAlive(pane) && !ProcessTree.isAlive(console.pid) && daemons.allSatisfy { !ProcessTree.isAlive($0.pid) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Logs in to the console as a person would (the login form and its token); whether it lands on 未応答の紹介.
    static func logIn(port: Int, user: String, password: String) async throws -> Bool {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let base = "http://127.0.0.1:\(port)"
        let (page, _) = try await session.data(from: URL(string: base + "/login")!)
        guard let token = String(decoding: page, as: UTF8.self).firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1 else { return false }
        var request = URLRequest(url: URL(string: base + "/login")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("csrf=\(token)&username=\(user)&password=\(password)&next=%2F".utf8)
        let (body, response) = try await session.data(for: request)
        return (response as? HTTPURLResponse)?.url?.path == "/" && String(decoding: body, as: UTF8.self).contains("未応答の紹介")
    }

    @Test("| tee: when the reader has gone, Ctrl-C still stops the router and every worker")
    func pipelineWhoseReaderWentAway() async throws {
        let directory = makeTemporaryDirectory("tsunagi-demo-tee")
        let pipeline = "\(BuiltExecutables.path("tsunagi")) demo --var \(directory)/var --keep-running | tee \(directory)/demo.out > /dev/null"
        // A session of its own, as a terminal's job would be; the test's own process group stays out of it.
        let shell = try spawnAsAShellWould("/usr/bin/setsid", ["sh", "-c", pipeline], output: "\(directory)/pipeline.log")
        defer {
            kill(-shell, SIGKILL)
            reap(shell)
        }
        try await waitUntil("the demo's network is up behind the pipe", timeout: .seconds(120)) { Self.networkIsUp("\(directory)/var") }
        let tree = ProcessTree.descendants(of: shell)
        let demo = try #require(tree.first { $0.command == "tsunagi" })
        let tee = try #require(tree.first { $0.command == "tee" })
        let daemons = Self.daemons(under: demo.pid)
        #expect(Set(daemons.map(\.command)) == Self.networkCommands, "\(tree)")
        defer { for daemon in daemons { kill(daemon.pid, SIGKILL) } }

        // The reader goes away; then the demo alone is interrupted and has to say so into the broken pipe.
        kill(tee.pid, SIGKILL)
        try await waitUntil("tee has ended") { !ProcessTree.isAlive(tee.pid) }
        kill(demo.pid, SIGINT)
        try await waitUntil("the demo, the router and the workers have ended", timeout: .seconds(40)) {
            !ProcessTree.isAlive(demo.pid) && daemons.allSatisfy { !ProcessTree.isAlive($0.pid) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
