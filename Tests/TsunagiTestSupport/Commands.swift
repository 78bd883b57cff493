import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a command a test ran ended, and what it printed.
public struct CommandResult: Sendable {
    public let status: Int32
    /// Standard output, with standard error too unless it was asked for apart.
    public let output: String
    /// Standard error when `runToEnd(…, separateErrors: true)`; empty otherwise.
    public let errors: String
    /// It was still running at its deadline and was killed with everything it started.
    public let timedOut: Bool

    public init(status: Int32, output: String, errors: String = "", timedOut: Bool = false) {
        self.status = status
        self.output = output
        self.errors = errors
        self.timedOut = timedOut
    }

    public var succeeded: Bool { status == 0 && !timedOut }
}

/// Runs a program to its end with `input` on standard input, and never waits past `timeout`.
///
/// Its output goes to files rather than pipes, and whatever it started is killed with it when it
/// ends: a browser, a driver or a daemon that outlives it can neither hold the test up (waiting for
/// the end of a pipe) nor go on running after the test.
public func runToEnd(_ executable: String, _ arguments: [String], input: String = "",
                     environment: [String: String] = [:], separateErrors: Bool = false,
                     timeout: Duration = .seconds(180)) throws -> CommandResult {
    let folder = makeTemporaryDirectory("command")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let inputPath = folder + "/input", outputPath = folder + "/output", errorsPath = folder + "/errors"
    try Data(input.utf8).write(to: URL(fileURLWithPath: inputPath))
    for path in [outputPath, errorsPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "NOTIFY_SOCKET")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let errors = separateErrors ? try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath)) : output
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let group = process.processIdentifier
    LaunchedDaemons.shared.add(group)

    let finished = waitUntil(timeout, interval: .milliseconds(20)) { !process.isRunning }
    // Foundation starts the child as the leader of a process group of its own: this ends it and
    // all it left behind.
    kill(-group, SIGKILL)
    if !finished { _ = waitUntil(.seconds(10)) { !process.isRunning } }
    LaunchedDaemons.shared.remove(group)
    try? output.close()
    if separateErrors { try? errors.close() }

    func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
    var printed = read(outputPath)
    if !finished { printed += "\n[killed after \(timeout): it was still running]" }
    return CommandResult(status: process.isRunning ? -1 : process.terminationStatus, output: printed,
                         errors: separateErrors ? read(errorsPath) : "", timedOut: !finished)
}

/// Runs one of the package's built executables to its end (see `runToEnd`); stdout and stderr together.
public func runCommand(_ executable: String, _ arguments: [String], input: String = "",
                       environment: [String: String] = [:], timeout: Duration = .seconds(180)) throws -> CommandResult {
    try runToEnd(BuiltExecutables.path(executable), arguments, input: input, environment: environment, timeout: timeout)
}
