import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One child process whose output goes to a log file, for async tests; killed for sure by its
/// group, and by the test process's exit (`LaunchedDaemons`) if its group never ran.
public final class Child: Sendable {
    public let name: String
    public let logPath: String
    private let process: Mutex<Process>

    public init(name: String, executable: String, arguments: [String], logPath: String) throws {
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
        process.standardInput = FileHandle.nullDevice
        try process.run()
        LaunchedDaemons.shared.add(process.processIdentifier)
        self.process = Mutex(process)
    }

    public var pid: Int32 { process.withLock { $0.processIdentifier } }
    public var isRunning: Bool { process.withLock { $0.isRunning } }
    public var exitStatus: Int32? { process.withLock { $0.isRunning ? nil : $0.terminationStatus } }

    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// SIGTERM, then SIGKILL if it has not ended within the grace time.
    public func stop(grace: Duration = .seconds(5)) async {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        signal(SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Ends it at once, as a crash or power cut would.
    public func killHard() async {
        signal(SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Every process a test started; `killAll` runs in the test's defer whatever happens.
public final class ChildGroup: Sendable {
    private let children = Mutex<[Child]>([])

    public init() {}

    public func add(_ child: Child) { children.withLock { $0.append(child) } }

    /// Synchronous so that it can run in `defer`: SIGKILL everything still running and reap it.
    public func killAll() {
        for child in children.withLock({ $0 }) {
            child.signal(SIGKILL)
            let deadline = ContinuousClock.now + .seconds(5)
            while child.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        }
    }
}

/// Waits for a condition, polling every 50 ms, and fails with `what` when the deadline passes: the
/// async form of `waitUntil(_:interval:_:)`, for tests that run processes as `Child`.
public func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if (try? condition()) == true { return }
        if ContinuousClock.now > deadline { throw HarnessError("timed out after \(timeout) waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}
