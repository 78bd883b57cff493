import Foundation
import Testing
import TsunagiCore
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// `tsunagi demo` as a newcomer runs it: the built executable, its own router and workers.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DemoTests {
    func makeTemporaryDirectory(_ label: String) -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }

    /// Starts `tsunagi demo --var DIR`, its output in a log file.
    func startDemo(_ directory: String) throws -> Child {
        try Child(name: "demo", executable: BuiltExecutables.path("tsunagi"),
                  arguments: ["demo", "--var", (directory as NSString).appendingPathComponent("var")],
                  logPath: (directory as NSString).appendingPathComponent("demo.out"))
    }

    /// The pids the demo said it started.
    static func childPids(in output: String) -> [Int32] {
        output.split(separator: "\n").compactMap { line -> Int32? in
            guard let range = line.range(of: ", pid ") else { return nil }
            return Int32(line[range.upperBound...].prefix(while: \.isNumber))
        }
    }

    static func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func demoPlaysTheMorningAndReconcileAgrees() async throws {
        let directory = makeTemporaryDirectory("tsunagi-demo")
        let demo = try startDemo(directory)
        defer { if demo.isRunning { demo.signal(SIGKILL) } }
        try await waitUntil("the demo ends (output: \(demo.logPath))", timeout: .seconds(150)) { !demo.isRunning }
        let output = demo.log
        #expect(demo.exitStatus == 0, "\(output)")
        // The pending view, as `tsunagi pending` prints it, and a reconcile that agrees.
        #expect(output.contains("ID ") && output.contains("FROM") && output.contains("3 unacknowledged, 0 overdue"), "\(output)")
        #expect(output.contains("all ledgers agree with the router"), "\(output)")
        #expect(output.contains("7 referrals at the router, 4 ledger reports, 0 discrepancies"), "\(output)")
        #expect(output.contains("tsunagi pending --config"), "\(output)")
        // Names and contacts stay in the files.
        #expect(!output.contains("一郎") && !output.contains("090-0000"), "\(output)")
        // Every child it started has ended.
        let pids = Self.childPids(in: output)
        #expect(pids.count == 5, "\(output)")
        #expect(pids.allSatisfy { !Self.alive($0) })

        // The store holds each hand-off where the morning left it.
        let run = (directory as NSString).appendingPathComponent("var/latest")
        let reader = try StoreReader(path: "\(run)/data/router/router.sqlite")
        let counts = try reader.countsByState()
        #expect(counts == [.completed: 1, .accepted: 1, .declined: 1, .withdrawn: 1, .delivered: 1, .submitted: 2], "\(counts)")
        let pending = try reader.openReferrals().map { "\($0.to)=\($0.state.rawValue)" }.sorted()
        #expect(pending == ["municipality.susaki=submitted", "regional-support-center=submitted", "welfare-office.susaki=delivered"])
        let completed = try reader.referrals(createdOn: .today()).filter { $0.state == .completed }
        #expect(completed.map { "\($0.from)>\($0.to)" } == ["peer-support.kochi>saposute.kochi"])
        if let first = completed.first { #expect(try reader.summary(of: first.id)?.detail == "就職") }

        // A second run keeps the first and starts afresh beside it.
        let again = try startDemo(directory)
        defer { if again.isRunning { again.signal(SIGKILL) } }
        try await waitUntil("the second demo ends", timeout: .seconds(150)) { !again.isRunning }
        #expect(again.exitStatus == 0, "\(again.log)")
        #expect(again.log.contains("already holds 1 network from earlier runs"), "\(again.log)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: (directory as NSString).appendingPathComponent("var"))
        #expect(runs.filter { $0.hasPrefix("demo-") }.count == 2, "\(runs)")
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func ctrlCStopsEveryChild() async throws {
        let directory = makeTemporaryDirectory("tsunagi-demo-int")
        let demo = try startDemo(directory)
        defer { if demo.isRunning { demo.signal(SIGKILL) } }
        // Connected: the router holds every worker's ledger report (a row, not the demo's words).
        try await waitUntil("the demo's workers are connected", timeout: .seconds(60)) {
            DemoTerminalTests.networkIsUp((directory as NSString).appendingPathComponent("var")) || !demo.isRunning
        }
        demo.signal(SIGINT)
        try await waitUntil("the demo ends after Ctrl-C", timeout: .seconds(30)) { !demo.isRunning }
        let output = demo.log
        #expect(demo.exitStatus == 128 + SIGINT, "\(output)")
        #expect(output.contains("Interrupted: stopping the router and the workers"), "\(output)")
        let pids = Self.childPids(in: output)
        #expect(pids.count == 5, "\(output)")
        #expect(pids.allSatisfy { !Self.alive($0) }, "\(output)")
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func killedOutrightItsDaemonsStopToo() async throws {
        let directory = makeTemporaryDirectory("tsunagi-demo-kill")
        let demo = try Child(name: "demo", executable: BuiltExecutables.path("tsunagi"),
                             arguments: ["demo", "--var", (directory as NSString).appendingPathComponent("var"), "--keep-running"],
                             logPath: (directory as NSString).appendingPathComponent("demo.out"))
        defer { if demo.isRunning { demo.signal(SIGKILL) } }
        try await waitUntil("the demo's workers are connected", timeout: .seconds(60)) {
            DemoTerminalTests.networkIsUp((directory as NSString).appendingPathComponent("var")) || !demo.isRunning
        }
        let pids = Self.childPids(in: demo.log)
        #expect(pids.count >= 5, "\(demo.log)")
        defer { for pid in pids where Self.alive(pid) { kill(pid, SIGKILL) } }
        await demo.killHard()
        try await waitUntil("the router and the workers have stopped after the demo was killed", timeout: .seconds(30)) {
            pids.allSatisfy { !Self.alive($0) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
