import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test harness itself, said plainly.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The built executables: beside the test bundle in .build/<triple>/debug (or .build/debug).
enum BuiltExecutables {
    static func path(_ name: String) throws -> String {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in [folder, folder.appendingPathComponent(".build/debug")] {
                let path = candidate.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
            folder = folder.deletingLastPathComponent()
        }
        throw HarnessError("the executable \(name) is not built beside the tests (\(CommandLine.arguments[0])): run 'swift build' first")
    }
}

/// One child process whose output goes to a log file; killed for sure by its group.
final class Child: Sendable {
    let name: String
    let logPath: String
    private let process: Mutex<Process>

    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = Mutex(process)
    }

    var pid: Int32 { process.withLock { $0.processIdentifier } }
    var isRunning: Bool { process.withLock { $0.isRunning } }
    var exitStatus: Int32? { process.withLock { $0.isRunning ? nil : $0.terminationStatus } }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// SIGTERM, then SIGKILL if it has not ended within the grace time.
    func stop(grace: Duration = .seconds(5)) async {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        signal(SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Ends it at once, as a crash or power cut would.
    func killHard() async {
        signal(SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Every process a test started; `killAll` runs in the test's defer whatever happens.
final class ChildGroup: Sendable {
    private let children = Mutex<[Child]>([])

    func add(_ child: Child) { children.withLock { $0.append(child) } }

    /// Synchronous so that it can run in `defer`: SIGKILL everything still running and reap it.
    func killAll() {
        for child in children.withLock({ $0 }) {
            child.signal(SIGKILL)
            let deadline = ContinuousClock.now + .seconds(5)
            while child.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        }
    }
}

/// Waits for a condition, polling every 50 ms, and fails with `what` when the deadline passes.
func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if (try? condition()) == true { return }
        if ContinuousClock.now > deadline { throw HarnessError("timed out after \(timeout) waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}
