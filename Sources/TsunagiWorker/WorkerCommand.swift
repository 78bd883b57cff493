import ArgumentParser
import Foundation
import Logging
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// The profile of the executable that is running: set once by `WorkerCommand.main(profile:)`.
enum ActiveProfile {
    private static let current = Mutex<AgencyProfile>(.peerSupport)
    static var profile: AgencyProfile { current.withLock { $0 } }
    static func set(_ profile: AgencyProfile) { current.withLock { $0 = profile } }
}

/// A command that failed, said in one sentence; the process exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The agency's executable: the daemon (`run`) and the staff's commands on the same ledger.
public struct WorkerCommand: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        let profile = ActiveProfile.profile
        return CommandConfiguration(
            commandName: profile.executableName,
            abstract: "The \(profile.kind) agency's Tsunagi worker (\(profile.japaneseName)): hands people off to other agencies and answers hand-offs to this one.",
            subcommands: [Run.self, Submit.self, Inbox.self, Accept.self, Decline.self, Complete.self, Withdraw.self, Sent.self, Ledger.self, DeskCommand.self])
    }

    public init() {}

    /// Runs the command line for one agency kind.
    public static func main(profile: AgencyProfile) async {
        ActiveProfile.set(profile)
        await main()
    }
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The worker's config file.")
    var config: String = "/etc/tsunagi/worker.toml"

    func load() throws -> WorkerConfig { try WorkerConfig.load(path: config) }

    /// Opens the agency's ledger (the daemon may hold it open at the same time).
    func openLedger() throws -> (WorkerConfig, AgencyLedger, WorkerFolders) {
        let settings = try load()
        let folders = WorkerFolders(root: settings.dataDirectory)
        guard FileManager.default.fileExists(atPath: folders.ledger) else {
            throw CommandFailure("no ledger at \(folders.ledger) yet: start the worker once with 'run --config \(config)'")
        }
        return (settings, try AgencyLedger(path: folders.ledger), folders)
    }
}

extension WorkerCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the worker daemon (under systemd).")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let settings = try options.load()
            LogSetup.bootstrap(level: Logger.Level(rawValue: settings.logLevel) ?? .info)
            let logger = Logger(label: "tsunagi.\(ActiveProfile.profile.kind)")
            let daemon: WorkerDaemon
            do {
                daemon = try WorkerDaemon(config: settings, profile: ActiveProfile.profile, logger: logger)
            } catch {
                logger.critical("cannot start", metadata: ["error": "\(error)"])
                throw CommandFailure("cannot start: \(error)")
            }
            try await WorkerService(daemon: daemon, logger: logger).runWithDeskUntilSignalled()
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a referral file (JSON or CSV) into the outbox.")
        @Argument(help: "The referral document (.json) or the CSV of referrals (.csv).") var file: String
        @OptionGroup var options: ConfigOption

        func run() throws {
            let settings = try options.load()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure("cannot read \(file): check the path")
            }
            let folders = WorkerFolders(root: settings.dataDirectory)
            try folders.prepare()
            let target = (folders.outbox as NSString).appendingPathComponent((file as NSString).lastPathComponent)
            guard !FileManager.default.fileExists(atPath: target) else {
                throw CommandFailure("the outbox already holds a file named \((file as NSString).lastPathComponent): rename yours")
            }
            // Through a hidden temp file: the daemon never sees a half-copied file.
            try DurableFiles.write(data, to: target)
            print("\((file as NSString).lastPathComponent) is in the outbox; the worker will send it.")
        }
    }

    struct Inbox: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List referrals that arrived and await an answer.")
        @Flag(help: "Also list referrals already answered.") var all = false
        @OptionGroup var options: ConfigOption

        func run() throws {
            let (_, ledger, folders) = try options.openLedger()
            let entries = try ledger.received().filter { all || !$0.state.isFinal }
            if entries.isEmpty {
                print(all ? "Nothing has arrived yet." : "Nothing awaits an answer.")
                return
            }
            for entry in entries {
                let routing = entry.referral.routing
                var line = "\(routing.id)  from \(routing.from)  created \(routing.createdAt)  needs \(routing.needs.map(\.rawValue).joined(separator: ","))  \(entry.state.rawValue)"
                if let queued = entry.queuedAnswer { line += " (\(queued.rawValue) queued)" }
                if entry.state == .accepted { line += "; complete it with an outcome when done" }
                print(line)
            }
            print("Details of each person are in \(folders.inbox)/<id>.json.")
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a referral that arrived.")
        @Argument(help: "The referral id.") var id: String
        @OptionGroup var options: ConfigOption
        func run() throws { try queue(.accept, id: id, detail: nil, options: options) }
    }

    struct Decline: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decline a referral that arrived, with a reason.")
        @Argument(help: "The referral id.") var id: String
        @Option(help: "Why this agency cannot take the person.") var reason: String
        @OptionGroup var options: ConfigOption
        func run() throws { try queue(.decline, id: id, detail: reason, options: options) }
    }

    struct Complete: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Complete an accepted referral with its outcome (\(ActiveProfile.profile.outcomes.joined(separator: " / "))).")
        }
        @Argument(help: "The referral id.") var id: String
        @Option(help: "The outcome, from this agency kind's vocabulary.") var outcome: String
        @OptionGroup var options: ConfigOption

        func run() throws {
            let outcomes = ActiveProfile.profile.outcomes
            guard outcomes.contains(outcome) else {
                throw CommandFailure("'\(outcome)' is not an outcome of a \(ActiveProfile.profile.kind) agency: use one of \(outcomes.joined(separator: ", "))")
            }
            try queue(.complete, id: id, detail: outcome, options: options)
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a referral this agency sent, with a reason.")
        @Argument(help: "The referral id.") var id: String
        @Option(help: "Why the referral is withdrawn.") var reason: String
        @OptionGroup var options: ConfigOption
        func run() throws { try queue(.withdraw, id: id, detail: reason, options: options) }
    }

    struct Sent: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List what this agency sent and where each stands.")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let (_, ledger, _) = try options.openLedger()
            let entries = try ledger.sent()
            if entries.isEmpty {
                print("Nothing has been sent yet.")
                return
            }
            for entry in entries {
                let routing = entry.referral.routing
                var line = "\(routing.id)  to \(routing.to)  created \(routing.createdAt)  "
                if let refusal = entry.refusal {
                    line += "refused by the router: \(refusal)"
                } else {
                    line += entry.state.rawValue + (entry.acknowledged ? "" : " (waiting for the router)")
                    if let detail = entry.detail, entry.state.isFinal { line += " — \(detail)" }
                }
                if let queued = entry.queuedAnswer { line += " (\(queued.rawValue) queued)" }
                print(line)
            }
        }
    }

    struct Ledger: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The agency's ledger.", subcommands: [Report.self])

        struct Report: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The day's referrals per counterpart and state, as the router reconciles them.")
            @Option(help: "The day, YYYY-MM-DD (Japan time); today when left out.") var date: String?
            @Flag(help: "Print the report as JSON.") var json = false
            @Flag(help: "Ask the running worker to send the report to the router.") var send = false
            @OptionGroup var options: ConfigOption

            func run() throws {
                let day: CivilDate
                if let date {
                    guard let parsed = CivilDate(date) else { throw CommandFailure("'\(date)' is not a date: write it as YYYY-MM-DD") }
                    day = parsed
                } else {
                    day = CivilDate.today()
                }
                let (settings, ledger, _) = try options.openLedger()
                let report = try ledger.report(agency: settings.agency, day: day)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                } else {
                    print("Ledger of \(settings.agency) for \(day): \(report.entries.count) referral\(report.entries.count == 1 ? "" : "s").")
                    var counts: [String: Int] = [:]
                    for entry in report.entries {
                        counts["\(entry.direction == .sent ? "to" : "from") \(entry.counterpart)  \(entry.state.rawValue) (\(entry.state.japaneseLabel))", default: 0] += 1
                    }
                    for key in counts.keys.sorted() { print("  \(key): \(counts[key]!)") }
                }
                if send {
                    try ledger.requestReport(day: day)
                    print("The worker will send the report for \(day) to the router.")
                }
            }
        }
    }
}

private func queue(_ transition: Transition, id text: String, detail: String?, options: ConfigOption) throws {
    guard let id = ReferralID(rawValue: text) else {
        throw CommandFailure("'\(text)' is not a referral id (letters, digits, '.', '_', ':' or '-')")
    }
    if transition.requiresDetail, (detail ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw CommandFailure("\(transition.rawValue) needs \(transition == .complete ? "an outcome" : "a reason")")
    }
    let (_, ledger, _) = try options.openLedger()
    do {
        try ledger.queueAnswer(transition, for: id, detail: detail)
    } catch {
        throw CommandFailure(error.description)
    }
    let noun = switch transition {
    case .accept: "acceptance"
    case .decline: "decline"
    case .complete: "completion"
    case .withdraw: "withdrawal"
    case .confirmDelivery: "confirmation"
    }
    print("Referral \(id): \(noun) recorded; the worker sends it to the router (now, or as soon as it is reachable).")
}
