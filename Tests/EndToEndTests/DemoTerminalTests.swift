import Foundation
import Testing
import TsunagiCore
import TsunagiStore
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

    /// Ready to be interrupted: the network is up, every worker's ledger report is in the store.
    static func networkIsUp(_ varDirectory: String) -> Bool {
        let store = "\(varDirectory)/latest/data/router/router.sqlite"
        guard FileManager.default.fileExists(atPath: store),
              let reports = try? StoreReader(path: store).ledgerReports(for: .today()) else { return false }
        return reports.count == 4
    }

    @Test("tmux kill-session: the closed terminal stops the router and every worker")
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

        try tmux.run(["kill-session", "-t", "demo"])
        try await waitUntil("the demo, the router and the workers have ended", timeout: .seconds(40)) {
            !ProcessTree.isAlive(pane) && daemons.allSatisfy { !ProcessTree.isAlive($0.pid) }
        }
        try? FileManager.default.removeItem(atPath: directory)
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
