import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// One run of the demo over its own network folder.
final class DemoRun {
    let options: DemoOptions
    let children: DemoChildren
    let say: @Sendable (String) -> Void
    let folder: String
    let day: CivilDate
    var network: NetworkInit.Result?
    var daemons: [(name: String, process: Process)] = []
    var reader: StoreReader?
    var ledgers: [AgencyID: AgencyLedger] = [:]

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

    // MARK: The morning

    func play(signals: DemoSignals) throws -> Int32 {
        let started = ContinuousClock.now
        let network = try NetworkInit.create(in: folder)
        self.network = network
        say("Created the network in \(folder): keys, the registry of \(SeedAgencies.all.count) agencies, the router's and the workers' configs.")

        try startRouter(network)
        // The desk is the worker's own: turned on in its config before it starts.
        if options.staysRunning { try prepareDesk(network) }
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

        if options.staysRunning {
            say("")
            let services = try startServices(network)
            say("")
            say("The network keeps running (router on \(network.endpoint)). Use the workers' commands, e.g.")
            say("  \(Self.path("tsunagi-welfare-office", in: displayDirectory)) inbox --config \(folder)/workers/welfare-office.susaki.toml")
            announceDesk()
            for (service, context) in services {
                for line in service.instructions(context) { say(line) }
            }
            say("Press Ctrl-C to stop it.")
            signals.waitForInterrupt()
        }
        say("")
        let stopping = ContinuousClock.now
        say("Stopping the \(DemoScenario.workers.count) workers\(options.staysRunning && !DemoServices.all.isEmpty ? ", the services" : "") and the router (SIGTERM)…")
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
}

extension DemoRun {
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
