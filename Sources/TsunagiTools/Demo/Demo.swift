import Foundation
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// What `tsunagi demo` needs from its command line.
public struct DemoOptions: Sendable {
    /// The folder the demo's networks live in; each run gets its own subfolder, nothing is deleted.
    public var varDirectory: String
    /// Leave the router and workers running after the morning, until Ctrl-C.
    public var keepRunning: Bool
    /// Where tsunagi-router and the worker executables are (beside the running `tsunagi`).
    public var executableDirectory: String
    /// How the user started `tsunagi`, to print commands they can paste.
    public var commandName: String
    /// How long any one step may take before the demo gives up.
    public var stepLimit: Duration = .seconds(20)

    public init(varDirectory: String, keepRunning: Bool, executableDirectory: String, commandName: String) {
        self.varDirectory = varDirectory
        self.keepRunning = keepRunning
        self.executableDirectory = executableDirectory
        self.commandName = commandName
    }
}

/// `tsunagi demo`: a whole network on loopback — `init`, the real router and one worker of each
/// kind as child processes, a morning of hand-offs through outbox files and the workers' own
/// commands, the pending view, the ledger reports and a reconcile, then a clean stop.
public enum Demo {
    /// Runs the demo, saying what it does through `say`. Returns the exit status: 0 when the
    /// reconcile agrees, 1 when it does not. Every child is stopped on every way out.
    public static func run(_ options: DemoOptions, say: @escaping @Sendable (String) -> Void) throws -> Int32 {
        let children = DemoChildren()
        let signals = DemoSignals(children: children, say: say)
        signals.install()
        defer {
            children.stopAll()
            signals.uninstall()
        }
        let run = try DemoRun(options: options, children: children, say: say)
        signals.runFolder = run.folder
        do {
            return try run.play(signals: signals)
        } catch {
            // Ctrl-C stops the children under the step that was running, which then fails; the
            // interrupt's handler is stopping everything and exits with 128 + signal.
            signals.parkIfInterrupted()
            throw error
        }
    }

    /// The running executable's own folder (Linux: /proc/self/exe), where its siblings are built.
    public static func executableDirectory(argumentZero: String = CommandLine.arguments[0]) -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return (resolved as NSString).deletingLastPathComponent
        }
        return URL(fileURLWithPath: argumentZero).resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}

/// Ctrl-C (SIGINT) and SIGTERM: stop the children, then exit; or, while the network is kept
/// running on purpose, end the wait so the demo shuts down in order.
final class DemoSignals: @unchecked Sendable {
    private let children: DemoChildren
    private let say: @Sendable (String) -> Void
    private let waiting = Mutex(false)
    private let interrupted = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)
    private var sources: [any DispatchSourceSignal] = []
    /// Set once, before any signal can matter; read by the handler.
    nonisolated(unsafe) var runFolder: String?

    init(children: DemoChildren, say: @escaping @Sendable (String) -> Void) {
        self.children = children
        self.say = say
    }

    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in handle(number) }
            source.resume()
            sources.append(source)
        }
    }

    func uninstall() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    private func handle(_ number: Int32) {
        if waiting.withLock({ $0 }) {
            wake.signal()
            return
        }
        interrupted.withLock { $0 = true }
        say("")
        say("Interrupted: stopping the router and the workers…")
        let killed = children.stopAll()
        say(killed.isEmpty ? "All stopped." : "All stopped (\(killed.joined(separator: ", ")) needed SIGKILL).")
        if let runFolder { say("What was done so far is in \(runFolder).") }
        exit(128 + number)
    }

    /// When an interrupt is being handled, waits for its handler to end the process.
    func parkIfInterrupted() {
        while interrupted.withLock({ $0 }) { Thread.sleep(forTimeInterval: 1) }
    }

    /// Blocks until Ctrl-C or SIGTERM.
    func waitForInterrupt() {
        waiting.withLock { $0 = true }
        wake.wait()
    }
}

/// One run of the demo over its own network folder.
final class DemoRun {
    let options: DemoOptions
    let children: DemoChildren
    let say: @Sendable (String) -> Void
    let folder: String
    let day: CivilDate
    private var network: NetworkInit.Result?
    private var daemons: [(name: String, process: Process)] = []
    private var reader: StoreReader?
    private var ledgers: [AgencyID: AgencyLedger] = [:]

    init(options: DemoOptions, children: DemoChildren, say: @escaping @Sendable (String) -> Void) throws {
        self.options = options
        self.children = children
        self.say = say
        day = CivilDate.today()
        for name in ["tsunagi-router"] + DemoScenario.workers.map(\.executable) {
            guard FileManager.default.isExecutableFile(atPath: Self.path(name, in: options.executableDirectory)) else {
                throw DemoError("\(name) is not built beside tsunagi in \(options.executableDirectory): run `swift build -c release` (or scripts/demo) first")
            }
        }
        say("Tsunagi demo: a morning of hand-offs between Kochi Prefecture's support agencies, all on this machine.")
        folder = try Self.prepareFolder(options.varDirectory, say: say)
    }

    static func path(_ executable: String, in directory: String) -> String {
        (directory as NSString).appendingPathComponent(executable)
    }

    // MARK: The folder

    /// A new `demo-YYYYMMDD-HHMMSS` folder under the var folder. Earlier runs are kept as they are
    /// (the user may still be exploring them); `latest` points at the newest.
    static func prepareFolder(_ root: String, say: (String) -> Void) throws -> String {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let earlier = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? []).filter { name in
            name.hasPrefix("demo-") && fileManager.fileExists(atPath: "\(root)/\(name)/router.toml")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .japan
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let base = "demo-" + formatter.string(from: Date())
        var name = base
        var suffix = 2
        while fileManager.fileExists(atPath: "\(root)/\(name)") {
            name = "\(base)-\(suffix)"
            suffix += 1
        }
        let folder = (root as NSString).appendingPathComponent(name)
        if fileManager.fileExists(atPath: "\(root)/router.toml") || !earlier.isEmpty {
            let count = earlier.count + (fileManager.fileExists(atPath: "\(root)/router.toml") ? 1 : 0)
            say("\(root) already holds \(count) network\(count == 1 ? "" : "s") from earlier runs; they are kept as they are, and this run starts afresh in \(folder).")
        }
        // `latest` is only ever a link this demo made: a real file or folder of that name is left alone.
        let latest = (root as NSString).appendingPathComponent("latest")
        if let type = try? fileManager.attributesOfItem(atPath: latest)[.type] as? FileAttributeType, type == .typeSymbolicLink {
            try? fileManager.removeItem(atPath: latest)
        }
        if !fileManager.fileExists(atPath: latest) {
            try? fileManager.createSymbolicLink(atPath: latest, withDestinationPath: name)
        }
        return folder
    }

    // MARK: The morning

    func play(signals: DemoSignals) throws -> Int32 {
        let started = ContinuousClock.now
        let network = try NetworkInit.create(in: folder)
        self.network = network
        say("Created the network in \(folder): keys, the registry of \(SeedAgencies.all.count) agencies, the router's and the workers' configs.")

        try startRouter(network)
        if options.keepRunning { try prepareDesk(network) }
        try startWorkers(network)

        say("")
        say("The morning's hand-offs (each is a referral file dropped in the sender's outbox):")
        let handoffs = DemoScenario.handoffs(day: day)
        for (number, handoff) in handoffs.enumerated() {
            try play(handoff, number: number + 1)
        }
        say("")
        say("Later that morning:")
        for handoff in handoffs {
            guard case .accepted(let outcome?) = handoff.ending else { continue }
            try run(handoff.to, ["complete", handoff.id.rawValue, "--outcome", outcome])
            let took = try waitForRouter(handoff.id, .completed)
            say("  \(name(handoff.to)) completes \(handoff.id) with the outcome \(outcome) → completed (\(seconds(took))).")
        }
        try waitUntilLedgersAgree(handoffs)

        say("")
        say("The coordinators' pending view (tsunagi pending):")
        let reader = try storeReader()
        say(PendingView.table(try PendingView.items(reader: reader)).trimmingTrailingNewlines)

        say("")
        say("Each worker sends its ledger report for \(day) (ledger report --send):")
        try sendLedgerReports()

        say("")
        say("Reconcile for \(day) (tsunagi reconcile --date \(day)):")
        let paths = try ToolPaths.resolve(store: nil, registry: nil, routerConfig: network.routerConfigPath)
        let result = try Reconciler.run(day: day, reader: reader, repairStore: RouterStore(path: paths.store),
                                        reportingAgencies: try paths.loadDirectoryIfPresent()?.reportingAgencies)
        say(ReconcileReport.text(result).trimmingTrailingNewlines)

        if options.keepRunning {
            say("")
            say("The network keeps running (router on \(network.endpoint)). Use the workers' commands, e.g.")
            say("  \(Self.path("tsunagi-welfare-office", in: displayDirectory)) inbox --config \(folder)/workers/welfare-office.susaki.toml")
            announceDesk()
            say("Press Ctrl-C to stop it.")
            signals.waitForInterrupt()
        }
        say("")
        let stopping = ContinuousClock.now
        say("Stopping the \(DemoScenario.workers.count) workers and the router (SIGTERM)…")
        let killed = children.stopAll()
        for (name, process) in daemons where !process.isRunning && process.terminationStatus != 0 && !killed.contains(name) {
            say("  \(name) ended with status \(process.terminationStatus); see \(folder)/logs/\(name).log")
        }
        say(killed.isEmpty ? "All stopped cleanly in \(seconds(ContinuousClock.now - stopping))."
                           : "Stopped; \(killed.joined(separator: ", ")) needed SIGKILL (see \(folder)/logs).")
        say("The demo took \(seconds(ContinuousClock.now - started)).")
        tryNext(handoffs)
        if !result.allAgree {
            say("")
            say("Reconcile did not agree: the ledgers and the router's store differ (a bug worth reporting, with \(folder)/logs).")
        }
        return result.exitStatus
    }

    private var displayDirectory: String {
        options.commandName.contains("/") ? (options.commandName as NSString).deletingLastPathComponent : ""
    }

    func tryNext(_ handoffs: [DemoHandoff]) {
        let tsunagi = options.commandName
        let config = "\(folder)/router.toml"
        let fiscalYear = ReportPeriod.fiscalYear(containing: day)
        let label = "R\(fiscalYear.first.year - 2018)"
        say("")
        say("Everything stays in \(folder) (and \((options.varDirectory as NSString).appendingPathComponent("latest")) points at it). Try next:")
        say("  \(tsunagi) pending --config \(config)")
        if let first = handoffs.first { say("  \(tsunagi) show \(first.id) --config \(config)") }
        say("  \(tsunagi) report --period \(label) --config \(config)")
        say("  \(tsunagi) reconcile --date \(day) --config \(config)")
        say("  \(Self.path("tsunagi-saposute", in: displayDirectory)) sent --config \(folder)/workers/saposute.kochi.toml")
        say("Start the network again: \(Self.path("tsunagi-router", in: displayDirectory)) --config \(config)")
        say("  and a worker: \(Self.path("tsunagi-welfare-office", in: displayDirectory)) run --config \(folder)/workers/welfare-office.susaki.toml")
    }

    // MARK: Steps

    func play(_ handoff: DemoHandoff, number: Int) throws {
        say("\(number). \(name(handoff.from)) refers a person \(handoff.ageInWords) to \(name(handoff.to)) (needs: \(handoff.needsInWords)).")
        let createdAt = Self.timestamp(Date())
        let fileName = handoff.id.rawValue + (handoff.asCSV ? ".csv" : ".json")
        let data = handoff.asCSV
            ? DemoScenario.saposuteCSV(handoff, createdAt: createdAt, consentDay: day)
            : try DemoScenario.json(handoff, createdAt: createdAt, consentDay: day)
        // Staff write the file in their own folder, then hand it to the worker with `submit`.
        let drafts = "\(folder)/referral-files/\(handoff.from)"
        try FileManager.default.createDirectory(atPath: drafts, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let draft = "\(drafts)/\(fileName)"
        guard FileManager.default.createFile(atPath: draft, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw DemoError("cannot write \(draft)")
        }
        try run(handoff.from, ["submit", draft])
        let kind = handoff.asCSV ? "a CSV in the Saposute's Japanese headings" : "a JSON document"
        if handoff.ending == .waitingAtRouter {
            let took = try waitUntil("\(handoff.id) is stored by the router and acknowledged to \(handoff.from)") {
                try routerState(handoff.id) == .submitted && sentEntry(handoff.from, handoff.id)?.acknowledged == true
            }
            say("   \(handoff.id): \(kind) → stored by the router (\(seconds(took))); \(handoff.to) runs no worker yet, so it waits there.")
            return
        }
        let took = try waitForRouter(handoff.id, .delivered)
        say("   \(handoff.id): \(kind) → delivered to \(handoff.to)'s inbox (\(seconds(took))).")
        switch handoff.ending {
        case .accepted:
            try run(handoff.to, ["accept", handoff.id.rawValue])
            let took = try waitForRouter(handoff.id, .accepted)
            say("   \(name(handoff.to)) accepts it → accepted (\(seconds(took))).")
        case .declined(let reason):
            try run(handoff.to, ["decline", handoff.id.rawValue, "--reason", reason])
            let took = try waitForRouter(handoff.id, .declined)
            say("   \(name(handoff.to)) declines it: \(reason) → declined (\(seconds(took))).")
        case .withdrawn(let reason):
            try run(handoff.from, ["withdraw", handoff.id.rawValue, "--reason", reason])
            let took = try waitForRouter(handoff.id, .withdrawn)
            say("   \(name(handoff.from)) withdraws it: \(reason) → withdrawn (\(seconds(took))).")
        case .awaitingAnswer:
            say("   \(name(handoff.to)) has not answered yet.")
        case .waitingAtRouter:
            break
        }
    }

    /// Before the reports: every running worker's ledger shows what the router's store shows.
    func waitUntilLedgersAgree(_ handoffs: [DemoHandoff]) throws {
        let running = Set(DemoScenario.workers.map(\.agency))
        try waitUntil("every worker's ledger catches up with the router") {
            for handoff in handoffs {
                guard let state = try routerState(handoff.id), state == handoff.finalState else { return false }
                guard let sent = try sentEntry(handoff.from, handoff.id), sent.acknowledged, sent.state == state else { return false }
                if running.contains(handoff.to), state != .submitted {
                    guard try ledger(handoff.to).received().first(where: { $0.referral.id == handoff.id })?.state == state else { return false }
                }
            }
            return true
        }
    }

    func sendLedgerReports() throws {
        for (agency, _) in DemoScenario.workers {
            let output = try run(agency, ["ledger", "report", "--date", day.description, "--send"])
            say("  " + (output.split(separator: "\n").first.map(String.init) ?? "\(agency): report requested"))
        }
        let took = try waitUntil("the router holds every worker's ledger report for \(day)") {
            let reports = try storeReader().ledgerReports(for: day)
            for (agency, _) in DemoScenario.workers {
                let expected = try ledger(agency).report(agency: agency, day: day)
                guard let report = reports[agency], Set(report.entries) == Set(expected.entries) else { return false }
            }
            return true
        }
        say("  The router holds all \(DemoScenario.workers.count) reports (\(seconds(took))).")
    }

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
        return process
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

    // MARK: Words

    func name(_ agency: AgencyID) -> String {
        SeedAgencies.all.first { $0.id == agency }?.name ?? agency.rawValue
    }

    func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s", value)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .japan
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
