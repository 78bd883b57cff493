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

/// The language staff read this command in: from the environment at start, then `--lang`.
enum ActiveLanguage {
    private static let current = Mutex<StaffLanguage>(StaffLanguage.resolve(option: nil))
    static var language: StaffLanguage { current.withLock { $0 } }
    static func set(_ language: StaffLanguage) { current.withLock { $0 = language } }
}

/// The exit codes of the agency's commands (docs/CLI.md).
public enum WorkerExit {
    public static let done: Int32 = 0
    /// The answer or request was refused (the referral's state, an unknown id, a bad value): nothing changed.
    public static let refused: Int32 = 1
    /// The command cannot work here: the config, the ledger, the folders, or (for `run`) a start-up check.
    public static let cannotWork: Int32 = 2
    /// `status`: no worker daemon runs for this config.
    public static let notRunning: Int32 = 3
    /// `status`: the daemon runs but is not connected to the router.
    public static let notConnected: Int32 = 4
    /// ArgumentParser's usage error (EX_USAGE).
    public static let usage: Int32 = 64
}

/// A command that failed, said in one sentence (in the staff's language); the process exits
/// with `code`.
struct CommandFailure: Error, CustomStringConvertible {
    let sentence: StaffSentence
    let code: Int32

    init(_ sentence: StaffSentence, code: Int32 = WorkerExit.refused) {
        self.sentence = sentence
        self.code = code
    }

    init(_ japanese: String, _ english: String, code: Int32 = WorkerExit.refused) {
        self.init(StaffSentence(japanese, english), code: code)
    }

    var description: String { sentence.text(ActiveLanguage.language) }
}

/// The agency's executable: the daemon (`run`) and the staff's commands on the same ledger.
public struct WorkerCommand: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        let profile = ActiveProfile.profile
        return CommandConfiguration(
            commandName: profile.executableName,
            abstract: "The \(profile.kind) agency's Tsunagi worker (\(profile.japaneseName)): hands people off to other agencies and answers hand-offs to this one.",
            version: TsunagiVersion.current,
            subcommands: [Run.self, Submit.self, Inbox.self, Show.self, Accept.self, Decline.self, Complete.self, Withdraw.self,
                          Sent.self, Status.self, Ledger.self, DeskCommand.self])
    }

    public init() {}

    /// Runs the command line for one agency kind. A refusal is printed in the staff's language
    /// to standard error and ends the process with its own exit code.
    public static func main(profile: AgencyProfile) async {
        ActiveProfile.set(profile)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("\(failure.description)\n".utf8))
            Foundation.exit(failure.code)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            Foundation.exit(WorkerExit.cannotWork)
        } catch {
            exit(withError: error)
        }
    }
}

/// The options every command takes: which config, which language.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The worker's config file (default: the one file in /etc/tsunagi/workers for this kind).")
    var config: String?

    @Option(name: .long, help: "ja or en (default: Japanese; English when LANG is C or en*).")
    var lang: String?

    /// Where configs are looked for when --config is not given; TSUNAGI_WORKER_CONFIG_DIR overrides it.
    static var configFolder: String {
        ProcessInfo.processInfo.environment["TSUNAGI_WORKER_CONFIG_DIR"] ?? "/etc/tsunagi/workers"
    }

    var language: StaffLanguage {
        let language = StaffLanguage.resolve(option: lang)
        ActiveLanguage.set(language)
        return language
    }

    /// The config's path: --config, or the only config in the folder for this executable's kind.
    func configPath() throws -> String {
        _ = language
        if let config { return config }
        let folder = Self.configFolder
        let kind = ActiveProfile.profile.kind
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
        if files.count == 1 { return (folder as NSString).appendingPathComponent(files[0]) }
        let ofKind = files.filter { $0 == "\(kind).toml" || $0.hasPrefix("\(kind).") }
        if ofKind.count == 1 { return (folder as NSString).appendingPathComponent(ofKind[0]) }
        if files.isEmpty {
            throw CommandFailure("\(folder) に設定ファイルがありません。--config で設定ファイルを指定してください。",
                                 "there is no config in \(folder): give the config with --config FILE.", code: WorkerExit.cannotWork)
        }
        let list = (ofKind.isEmpty ? files : ofKind).joined(separator: ", ")
        throw CommandFailure("\(folder) に設定ファイルが複数あります（\(list)）。--config \(folder)/<機関ID>.toml で選んでください。",
                             "\(folder) holds several configs (\(list)): choose one with --config \(folder)/<agency-id>.toml.",
                             code: WorkerExit.cannotWork)
    }

    func load() throws -> WorkerConfig {
        let path = try configPath()
        // The two mistakes staff can fix themselves, said in their language; the config's own
        // mistakes are the operator's, quoted as they are.
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("設定ファイル \(path) がありません。パスを確かめてください。",
                                 "there is no config file \(path): check the path.", code: WorkerExit.cannotWork)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CommandFailure("設定ファイル \(path) を読めません。このアカウントが tsunagi グループに入っているか確かめてください（入れたら、ログインし直してください）。",
                                 "cannot read the config file \(path): check that this account is in the tsunagi group (log in again once it is).",
                                 code: WorkerExit.cannotWork)
        }
        do {
            return try WorkerConfig.load(path: path)
        } catch let error as ConfigError {
            throw CommandFailure(StaffSentence("設定ファイルに誤りがあります（直すのはシステム管理者です）: \(error.message)", error.message),
                                 code: WorkerExit.cannotWork)
        }
    }

    /// Opens the agency's ledger (the daemon may hold it open at the same time).
    func open() throws -> WorkerContext {
        let settings = try load()
        let folders = WorkerFolders(root: settings.dataDirectory)
        guard FileManager.default.fileExists(atPath: settings.dataDirectory) else {
            // A typo in data_dir: starting the worker would not help (it refuses too).
            throw CommandFailure(
                "設定の data_dir（\(settings.dataDirectory)）がありません。設定ファイルの綴りを確かめてください。",
                "the config's data_dir (\(settings.dataDirectory)) does not exist: check its spelling in the config.",
                code: WorkerExit.cannotWork)
        }
        guard FileManager.default.fileExists(atPath: folders.ledger) else {
            throw CommandFailure(
                "\(folders.ledger) に台帳がまだありません。ワーカーを一度起動してください（systemctl start \(ActiveProfile.profile.executableName)@\(settings.agency)）。",
                "no ledger at \(folders.ledger) yet: start the worker once (systemctl start \(ActiveProfile.profile.executableName)@\(settings.agency)).",
                code: WorkerExit.cannotWork)
        }
        let ledger: AgencyLedger
        do {
            ledger = try AgencyLedger(path: folders.ledger)
        } catch {
            throw CommandFailure("台帳 \(folders.ledger) を開けません（\(error)）。このアカウントが tsunagi グループに入っているか確かめてください。",
                                 "cannot open the ledger \(folders.ledger) (\(error)): check that this account is in the tsunagi group.",
                                 code: WorkerExit.cannotWork)
        }
        let registry = settings.registryPath.flatMap { try? AgencyRegistry.load(path: $0) }
        return WorkerContext(settings: settings, ledger: ledger, folders: folders, registry: registry,
                             profile: ActiveProfile.profile, language: language)
    }
}

/// What a staff command works with: the config, the ledger, the folders and the names.
struct WorkerContext {
    let settings: WorkerConfig
    let ledger: AgencyLedger
    let folders: WorkerFolders
    let registry: AgencyRegistry?
    let profile: AgencyProfile
    let language: StaffLanguage

    var names: AgencyNames { AgencyNames(registry: registry) }

    /// Business days `agency` has to answer, as the registry says (the kind's usual time otherwise).
    func ackDueDays(_ agency: AgencyID) -> Int {
        registry?[agency]?.ackDueBusinessDays ?? (agency == settings.agency ? profile.defaultAckDueBusinessDays : AgencyRegistry.defaultAckDueBusinessDays)
    }

    /// The day the destination must answer by: the referral's own due date, or its due time in
    /// business days from the day it was made.
    func dueDay(_ entry: LedgerReferral) -> CivilDate {
        let routing = entry.referral.routing
        if let due = routing.dueDate { return due }
        let made = routing.createdDate ?? Timestamps.parse(entry.arrivedAt) ?? Date()
        return BusinessCalendar.japanesePublicOffices.adding(businessDays: ackDueDays(routing.to), to: CivilDate(made, in: .japan))
    }

    func isOverdue(_ entry: LedgerReferral, today: CivilDate = .today()) -> Bool {
        entry.state.isUnacknowledged && entry.refusal == nil && today > dueDay(entry)
    }

    func say(_ japanese: String, _ english: String) { print(language.pick(japanese, english)) }
}

func printJSON(_ value: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
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
            } catch let sentence as StaffSentence {
                logger.critical("cannot start: \(sentence.english)")
                throw CommandFailure(StaffSentence("起動できません: \(sentence.japanese)", "cannot start: \(sentence.english)"),
                                     code: WorkerExit.cannotWork)
            } catch {
                logger.critical("cannot start", metadata: ["error": "\(error)"])
                throw CommandFailure(StaffSentence("起動できません: \(error)", "cannot start: \(error)"), code: WorkerExit.cannotWork)
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
            let name = (file as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure("\(file) を読めません。パスを確かめてください。", "cannot read \(file): check the path.")
            }
            let folders = WorkerFolders(root: settings.dataDirectory)
            guard FileManager.default.fileExists(atPath: folders.outbox) else {
                throw CommandFailure("\(folders.outbox) がありません。ワーカーを一度起動してください。",
                                     "\(folders.outbox) does not exist: start the worker once.", code: WorkerExit.cannotWork)
            }
            let target = (folders.outbox as NSString).appendingPathComponent(name)
            guard !FileManager.default.fileExists(atPath: target) else {
                throw CommandFailure("outbox にはすでに \(name) という名前のファイルがあります。名前を変えてください。",
                                     "the outbox already holds a file named \(name): rename yours.")
            }
            try Self.check(data, name: name, file: file, settings: settings, folders: folders)
            // Through a hidden temp file: the daemon never sees a half-copied file.
            try DurableFiles.write(data, to: target, mode: 0o660)
            options.language == .ja
                ? print("\(name) を outbox に置きました。ワーカーが送ります。結果は sent と status で確かめられます。")
                : print("\(name) is in the outbox; the worker will send it. 'sent' and 'status' show how it went.")
        }

        /// Reads the file as the worker will, so that a file it would refuse outright is refused
        /// here, in the same sentences, and never said to be on its way. What only the worker can
        /// tell (a referral id sent before with other content) is still told in `sent` and `status`.
        static func check(_ data: Data, name: String, file: String, settings: WorkerConfig, folders: WorkerFolders) throws {
            let registry = settings.registryPath.flatMap { try? AgencyRegistry.load(path: $0) }
            let reader = ReferralFileReader(agency: settings.agency, profile: ActiveProfile.profile,
                                            knownDestinations: registry.map { Set($0.agencies.keys) })
            let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? Date()
            // A row saved again without 作成日時 takes the time it was first sent with, as in the worker.
            let ledger = FileManager.default.fileExists(atPath: folders.ledger) ? try? AgencyLedger(path: folders.ledger) : nil
            do {
                _ = try reader.readReferrals(data, name: name, modified: modified) { id in
                    (try? ledger?.sentReferral(id))?.routing.createdAt
                }
            } catch {
                let lines = error.problems
                throw CommandFailure(
                    "\(name) は outbox に置いていません（何も送っていません）。直して、もう一度 submit してください。\n"
                        + lines.map(\.japaneseLine).joined(separator: "\n"),
                    "\(name) was not put in the outbox (nothing was sent). Fix it and submit it again.\n"
                        + lines.map(\.englishLine).joined(separator: "\n"))
            }
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a referral that arrived.")
        @Argument(help: "The referral id.") var id: String
        @Option(help: "The staff member giving the answer; the router's history shows the name (optional).") var staff: String?
        @OptionGroup var options: ConfigOption
        func run() throws { try answer(.accept, id: id, detail: nil, staff: staff, options: options) }
    }

    struct Decline: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decline a referral that arrived, with a reason.")
        @Argument(help: "The referral id.") var id: String
        // Optional here so that a missing reason is refused in the staff's language (AgencyAnswers), not as a usage error.
        @Option(help: "Why this agency cannot take the person (required).") var reason: String?
        @Option(help: "The staff member giving the answer; the router's history shows the name (optional).") var staff: String?
        @OptionGroup var options: ConfigOption
        func run() throws { try answer(.decline, id: id, detail: reason, staff: staff, options: options) }
    }

    struct Complete: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Complete an accepted referral with its outcome (\(ActiveProfile.profile.outcomes.joined(separator: " / "))).")
        }
        @Argument(help: "The referral id.") var id: String
        @Option(help: "The outcome, from this agency kind's words (required).") var outcome: String?
        @Option(help: "The staff member giving the answer; the router's history shows the name (optional).") var staff: String?
        @OptionGroup var options: ConfigOption
        func run() throws { try answer(.complete, id: id, detail: outcome, staff: staff, options: options) }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a referral this agency sent, with a reason (until it is accepted).")
        @Argument(help: "The referral id.") var id: String
        @Option(help: "Why the referral is withdrawn (required).") var reason: String?
        @Option(help: "The staff member giving the answer; the router's history shows the name (optional).") var staff: String?
        @OptionGroup var options: ConfigOption
        func run() throws { try answer(.withdraw, id: id, detail: reason, staff: staff, options: options) }
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
                    guard let parsed = CivilDate(date) else {
                        throw CommandFailure("「\(date)」は日付ではありません。2026-12-02 のように書いてください。", "'\(date)' is not a date: write it as YYYY-MM-DD.")
                    }
                    day = parsed
                } else {
                    day = CivilDate.today()
                }
                let context = try options.open()
                let report = try context.ledger.report(agency: context.settings.agency, day: day)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                } else {
                    LedgerReportText(report: report, names: context.names).lines(context.language).forEach { print($0) }
                }
                if send {
                    try context.ledger.requestReport(day: day)
                    if !json { context.say("\(day) の台帳をワーカーがルーターへ送ります。", "The worker will send the report for \(day) to the router.") }
                }
            }
        }
    }
}

/// Checks an answer against the ledger and queues it, or refuses it with a sentence and exit 1.
private func answer(_ transition: Transition, id text: String, detail: String?, staff: String?, options: ConfigOption) throws {
    _ = options.language
    guard let id = AgencyAnswers.referralID(typed: text) else {
        throw CommandFailure("「\(text)」は紹介IDではありません（英数字と . _ : -）。", "'\(text)' is not a referral id (letters, digits, '.', '_', ':' or '-').")
    }
    let context = try options.open()
    let verdict = try AgencyAnswers.give(transition, id: id, detail: detail, staff: staff, ledger: context.ledger,
                                         outcomes: context.profile.outcomes, names: context.names)
    switch verdict {
    case .queued(let sentence), .alreadyGiven(let sentence):
        print(sentence.text(context.language))
    case .refused(let sentence):
        throw CommandFailure(sentence)
    }
}
