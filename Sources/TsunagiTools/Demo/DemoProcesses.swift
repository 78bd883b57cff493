import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// The demo's router, workers and staff commands as child processes, and waiting on them.
extension DemoRun {
    // MARK: Processes

    func startRouter(_ network: NetworkInit.Result) throws {
        let process = try startDaemon("tsunagi-router", ["--config", network.routerConfigPath])
        let took = try waitUntil("the router is ready on \(network.endpoint)", limit: .seconds(30)) {
            FileManager.default.fileExists(atPath: "\(folder)/data/router/router.sqlite") && Self.routerAnswers(network)
        }
        say("Started the router (tsunagi-router, pid \(process.processIdentifier)) on \(network.endpoint); ready in \(seconds(took)).")
    }

    func startWorkers(_ network: NetworkInit.Result) throws {
        for (agency, executable) in DemoScenario.workers {
            guard let config = network.workerConfigPaths[agency] else { throw DemoError("init wrote no worker config for \(agency)") }
            let process = try startDaemon(executable, ["run", "--config", config], name: agency.rawValue)
            say("Started \(name(agency)) [\(agency)] (\(executable), pid \(process.processIdentifier)).")
        }
        // A worker sends its ledger report as soon as it is connected: the router holding it says so.
        let took = try waitUntil("every worker has connected to the router") {
            let reports = try storeReader().ledgerReports(for: day)
            return DemoScenario.workers.allSatisfy { reports[$0.agency] != nil }
        }
        say("All \(DemoScenario.workers.count) workers are connected over CURVE (\(seconds(took))).")
    }

    /// Starts the long-running services for a person to open, each once it is ready; returns
    /// where each runs, for the closing instructions.
    func startServices(_ network: NetworkInit.Result) throws -> [(DemoService, DemoServiceContext)] {
        var started: [(DemoService, DemoServiceContext)] = []
        for service in DemoServices.all {
            let port = try Self.portIsFree(service.preferredPort) ? service.preferredPort : NetworkInit.freeLoopbackPort()
            let context = DemoServiceContext(network: network, port: port, executableDirectory: options.executableDirectory)
            for command in service.setup(context) {
                try runToEnd(service.executable, command.arguments, input: command.input)
            }
            let process = try startDaemon(service.executable, service.arguments(context), name: service.name)
            let took = try waitUntil("\(service.name) answers on port \(port)") { service.isReady(context) }
            say("Started the \(service.name) (\(service.executable), pid \(process.processIdentifier)) on 127.0.0.1:\(port); ready in \(seconds(took)).")
            started.append((service, context))
        }
        return started
    }

    /// Whether nothing listens on 127.0.0.1:`port` (bound as a server would, reusing a closed
    /// connection's address).
    static func portIsFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A setup command of a service's executable (`tsunagi console user add …`), to its end.
    func runToEnd(_ executable: String, _ arguments: [String], input: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path(executable, in: options.executableDirectory))
        process.arguments = arguments
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try children.add(name: "\(executable) \(arguments.prefix(3).joined(separator: " "))", pid: process.processIdentifier)
        defer { children.remove(pid: process.processIdentifier) }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            yieldToInterrupt()
            throw DemoError("`\(executable) \(arguments.joined(separator: " "))` failed (status \(process.terminationStatus)): \(text.trimmingTrailingNewlines)")
        }
    }

    /// Whether the router admits a handshake now (the same probe as the bench's).
    static func routerAnswers(_ network: NetworkInit.Result) -> Bool {
        // The router only creates its store once it is up; the CURVE handshake proves it serves.
        (try? RouterProbe.ready(network: network, within: .milliseconds(200))) ?? false
    }

    @discardableResult
    func startDaemon(_ executable: String, _ arguments: [String], name: String? = nil) throws -> Process {
        let name = name ?? executable
        let logs = "\(folder)/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let logPath = "\(logs)/\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path(executable, in: options.executableDirectory))
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        process.environment = environment
        try process.run()
        try children.add(name: name, pid: process.processIdentifier)
        daemons.append((name, process))
        try watchOver(process.processIdentifier)
        return process
    }

    /// A demo killed outright (`kill -9`, an out-of-memory kill) runs no clean-up of its own, and
    /// its daemons would run on unseen. A small shell keeps watch instead: once the demo is gone
    /// it stops the daemon; once the daemon is gone it ends itself.
    private func watchOver(_ daemon: Int32) throws {
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: "/bin/sh")
        watch.arguments = ["-c", "while kill -0 \"$0\" && kill -0 \"$1\"; do sleep 1; done 2>/dev/null; kill -0 \"$0\" 2>/dev/null || kill -TERM \"$1\" 2>/dev/null",
                           String(getpid()), String(daemon)]
        watch.standardInput = FileHandle.nullDevice
        watch.standardOutput = FileHandle.nullDevice
        watch.standardError = FileHandle.nullDevice
        try watch.run()
    }

    /// One of the agency's own commands (`submit`, `accept`, …), as staff would type it; its output.
    @discardableResult
    func run(_ agency: AgencyID, _ arguments: [String]) throws -> String {
        guard let executable = DemoScenario.workers.first(where: { $0.agency == agency })?.executable,
              let config = network?.workerConfigPaths[agency] else {
            throw DemoError("\(agency) runs no worker in the demo")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path(executable, in: options.executableDirectory))
        process.arguments = arguments + ["--config", config]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try children.add(name: "\(executable) \(arguments[0])", pid: process.processIdentifier)
        defer { children.remove(pid: process.processIdentifier) }
        let deadline = ContinuousClock.now.advanced(by: options.stepLimit)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                DemoChildren.stop(.init(name: executable, pid: process.processIdentifier), grace: .seconds(2))
                throw DemoError("`\(executable) \(arguments[0])` did not finish within \(options.stepLimit)")
            }
            usleep(5_000)
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            yieldToInterrupt()
            throw DemoError("`\(executable) \(arguments.joined(separator: " "))` failed (status \(process.terminationStatus)): \(text.trimmingTrailingNewlines)")
        }
        return text
    }

    // MARK: Polling state

    /// Polls `condition` until it holds, or fails with what did not happen and where the logs are.
    /// A router or worker that died on the way ends the wait at once.
    @discardableResult
    func waitUntil(_ what: String, limit: Duration? = nil, _ condition: () throws -> Bool) throws -> Duration {
        let started = ContinuousClock.now
        let limit = limit ?? options.stepLimit
        while true {
            if (try? condition()) == true { return ContinuousClock.now - started }
            if let dead = daemons.first(where: { !$0.process.isRunning }) {
                yieldToInterrupt()
                throw DemoError("\(dead.name) stopped unexpectedly (status \(dead.process.terminationStatus)) while waiting until \(what); see \(folder)/logs/\(dead.name).log")
            }
            if ContinuousClock.now - started > limit {
                throw DemoError("waited \(limit) and still not so: \(what); see the logs in \(folder)/logs")
            }
            usleep(10_000)
        }
    }

    /// Ctrl-C in a terminal reaches the children too, and one may end before the demo's own signal
    /// handler has begun: give the handler time to take over (it stops the rest and exits) rather
    /// than report the ended child as a failure.
    func yieldToInterrupt() {
        let deadline = ContinuousClock.now.advanced(by: .seconds(2))
        while ContinuousClock.now < deadline, !children.stopping { usleep(20_000) }
        while children.stopping { sleep(1) }
    }

    func waitForRouter(_ id: ReferralID, _ state: HandoffState) throws -> Duration {
        try waitUntil("the router's store shows \(id) \(state.rawValue)") { try routerState(id) == state }
    }

    func storeReader() throws -> StoreReader {
        if let reader { return reader }
        let reader = try StoreReader(path: "\(folder)/data/router/router.sqlite")
        self.reader = reader
        return reader
    }

    func routerState(_ id: ReferralID) throws -> HandoffState? {
        try storeReader().summary(of: id)?.state
    }

    func ledger(_ agency: AgencyID) throws -> AgencyLedger {
        if let ledger = ledgers[agency] { return ledger }
        let path = "\(folder)/data/\(agency)/ledger.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { throw DemoError("\(agency) has no ledger yet") }
        let ledger = try AgencyLedger(path: path)
        ledgers[agency] = ledger
        return ledger
    }

    func sentEntry(_ agency: AgencyID, _ id: ReferralID) throws -> LedgerReferral? {
        try ledger(agency).sent().first { $0.referral.id == id }
    }
}
