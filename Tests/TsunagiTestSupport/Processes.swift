import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the package's built executables: beside the test bundle in .build/<triple>/<config>/
/// (or .build/debug under the package).
public enum BuiltExecutables {
    public static let directory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            for candidate in [url, url.appendingPathComponent(".build/debug")]
            where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("tsunagi-router").path) {
                return candidate
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    /// The executable's path; stops the tests with a sentence when it is not built.
    public static func path(_ name: String) -> String {
        let path = directory.appendingPathComponent(name).path
        precondition(FileManager.default.isExecutableFile(atPath: path),
                     "\(name) is not built at \(path): run `swift build` before the tests")
        return path
    }
}

/// A failure of the test harness itself, said plainly.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A daemon a test started. It is killed when the value is stopped or deinitialised, so a test
/// that fails half-way leaves nothing running.
public final class DaemonProcess: @unchecked Sendable {
    public let name: String
    private let process = Process()
    public let logPath: String

    /// Starts `executable` with `arguments`; output goes to a log file beside `logDirectory`.
    public init(_ executable: String, _ arguments: [String], logDirectory: String, name: String? = nil,
                environment: [String: String] = [:]) throws {
        self.name = name ?? executable
        logPath = (logDirectory as NSString).appendingPathComponent("\(self.name).\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: BuiltExecutables.path(executable))
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        try process.run()
        LaunchedDaemons.shared.add(process.processIdentifier)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Alive by the kernel's account, whatever Foundation's bookkeeping says.
    private var isAlive: Bool { process.isRunning || kill(process.processIdentifier, 0) == 0 }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`. Returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) -> Int32 {
        guard isAlive else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        if !waitForExit(within: grace) {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(within: .seconds(10))
        }
        return process.isRunning ? -1 : process.terminationStatus
    }

    /// `kill -9`: no chance to flush or say goodbye.
    public func crash() {
        guard isAlive else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(within: .seconds(10))
    }

    public func waitForExit(within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        if !process.isRunning { LaunchedDaemons.shared.remove(process.processIdentifier) }
        return !process.isRunning
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if isAlive {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(within: .seconds(10))
        }
    }
}

/// Waits until `condition` holds, checking every `interval`, for at most `limit`.
/// Returns whether it held: the caller asserts, so a timeout fails the test with a message.
/// (Async tests use `waitUntil(_:timeout:_:)`, which throws with a sentence instead.)
@discardableResult
public func waitUntil(_ limit: Duration = .seconds(20), interval: Duration = .milliseconds(25),
                      _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        usleep(UInt32(interval.components.attoseconds / 1_000_000_000_000) + UInt32(interval.components.seconds * 1_000_000))
    }
}

/// A fresh temporary folder for one test.
public func makeTemporaryDirectory(_ label: String = "tsunagi") -> String {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return path
}

/// Every daemon the tests started, killed when the test process exits: the last line of defence,
/// so that no daemon outlives its tests even when a test's own clean-up did not run.
final class LaunchedDaemons: @unchecked Sendable {
    static let shared: LaunchedDaemons = {
        atexit { LaunchedDaemons.shared.killAll() }
        return LaunchedDaemons()
    }()

    private let lock = NSLock()
    private var pids: Set<Int32> = []

    func add(_ pid: Int32) {
        lock.withLock { _ = pids.insert(pid) }
    }

    func remove(_ pid: Int32) {
        lock.withLock { _ = pids.remove(pid) }
    }

    func killAll() {
        for pid in lock.withLock({ pids }) {
            // Each child leads a process group of its own (Foundation's Process): end what it started too.
            kill(-pid, SIGKILL)
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
    }
}
