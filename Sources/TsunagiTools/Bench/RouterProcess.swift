import Foundation
import TsunagiCore
import TsunagiRuntime
import ZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// The real `tsunagi-router` executable as a child process (the bench and the demo run it so).
public final class RouterProcess: @unchecked Sendable {
    let executable: String
    let network: NetworkInit.Result
    private var process: Process?
    public let logPath: String

    public init(executable: String, network: NetworkInit.Result, logPath: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("\(executable) is not built: run `swift build -c release` first")
        }
        self.executable = executable
        self.network = network
        self.logPath = logPath ?? "\(network.directory)/router.log"
        try start()
    }

    public var pid: Int32 { process?.processIdentifier ?? 0 }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config", network.routerConfigPath]
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Waits until the router admits a handshake; returns how long that took since `start`.
    @discardableResult
    public func waitUntilReady(limit: Duration = .seconds(30)) throws -> Duration {
        let started = ContinuousClock.now
        let process = self.process
        if try RouterProbe.ready(network: network, within: limit, giveUp: { process.map { !$0.isRunning } ?? false }) {
            return ContinuousClock.now - started
        }
        if let process, !process.isRunning {
            throw BenchError("the router exited at start-up; see \(logPath)")
        }
        throw BenchError("the router was not ready within \(limit); see \(logPath)")
    }

    /// SIGTERM and wait (a graceful stop).
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    public func crash() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { crash() }
}

/// Whether a router admits a CURVE handshake: HELLO with the regional-support-center's key (a
/// registered agency that runs no worker), answered by WELCOME.
public enum RouterProbe {
    /// True once WELCOME arrives within `limit`; false when the time is up or `giveUp` says so.
    public static func ready(network: NetworkInit.Result, within limit: Duration,
                             giveUp: () -> Bool = { false }) throws -> Bool {
        let started = ContinuousClock.now
        let context = try Context()
        defer { context.terminate() }
        let keyPair = try KeyFiles.loadKeyPair("\(network.directory)/keys/regional-support-center.key")
        let serverKey = try CurveCertificate.load(path: "\(network.directory)/keys/router.pub").publicKey
        let socket = try Socket(context, type: .dealer)
        try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair)
        try socket.set(.reconnectInterval, 10)
        try socket.connect(network.endpoint)
        let hello = WorkerMessage.hello(software: "readiness-probe").frames()
        var lastHello = ContinuousClock.now.advanced(by: .seconds(-1))
        while ContinuousClock.now - started < limit {
            if ContinuousClock.now - lastHello > .milliseconds(50) {
                _ = try? socket.send(hello, flags: .dontWait)
                lastHello = .now
            }
            if let reply = try socket.receive(timeoutMilliseconds: 5), reply.frames.count > 1,
               String(decoding: reply.frames[1], as: UTF8.self) == "WELCOME" {
                return true
            }
            if giveUp() { return false }
        }
        return false
    }
}
