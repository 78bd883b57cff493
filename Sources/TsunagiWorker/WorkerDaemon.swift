import Foundation
import Logging
import Synchronization
import TsunagiClient
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// The agency's daemon: takes files from the outbox into the ledger and on to the router, writes
/// deliveries to the inbox, applies status updates, and sends the answers staff queue with the
/// agency's commands. The ledger is the source of truth; the client only carries it.
public final class WorkerDaemon: Sendable {
    public let config: WorkerConfig
    public let profile: AgencyProfile
    public let folders: WorkerFolders
    let ledger: AgencyLedger
    let reader: ReferralFileReader
    let client: RouterClient
    let events: WorkerEvents
    let sealing: WorkerSealing
    let logger: Logger
    let notifier: SystemdNotifier
    /// This agency's registry entry (name, due time), when a registry is configured.
    public let registryEntry: Agency?
    let lock: DataDirectoryLock
    let stateWriter: WorkerStateWriter
    private let control = Mutex(Control())
    private let finished = DispatchSemaphore(value: 0)
    private let fullyStopped = DispatchSemaphore(value: 0)

    struct Control {
        var stopRequested = false
        var started = false
    }

    /// How often the outbox and the answer queue are looked at, in seconds.
    static let pollInterval: TimeInterval = 0.2
    /// How often the ledger report is sent to the router for yesterday and today.
    static let reportInterval = Duration.seconds(3600)

    /// Checks everything an operator must fix before the worker can run: keys, registry, folders.
    public init(config: WorkerConfig, profile: AgencyProfile, logger: Logger = Logger(label: "tsunagi.worker"),
                notifier: SystemdNotifier = SystemdNotifier()) throws {
        self.config = config
        self.profile = profile
        self.logger = logger
        self.notifier = notifier
        let registry = try config.registryPath.map { try AgencyRegistry.load(path: $0) }
        registryEntry = try WorkerStartChecks.agency(config, profile: profile, registry: registry)
        try WorkerStartChecks.dataDirectory(config)
        let keyPair = try KeyFiles.loadKeyPair(config.secretKeyPath)
        let routerKey = try KeyFiles.loadPublicKey(config.routerPublicKey)
        let destinations = registry.map { Set($0.agencies.keys) }
        folders = WorkerFolders(root: config.dataDirectory)
        lock = try DataDirectoryLock(folders: folders)
        try folders.prepare()
        WorkerStartChecks.shareWithStaff(folders)
        ledger = try AgencyLedger(path: folders.ledger, backgroundCheckpoints: true)
        reader = ReferralFileReader(agency: config.agency, profile: profile, knownDestinations: destinations)
        stateWriter = WorkerStateWriter(folders: folders, agency: config.agency.rawValue)
        events = WorkerEvents(agency: config.agency, ledger: ledger, folders: folders, logger: logger, state: stateWriter,
                              answerDueRule: AnswerDueRule(businessDays: registryEntry?.ackDueBusinessDays ?? profile.defaultAckDueBusinessDays))
        sealing = try WorkerSealing(config: config, ledger: ledger, logger: logger)
        let sealingDelegate = SealingDelegate(inner: events, sealing: sealing)
        client = RouterClient(
            settings: .init(endpoint: config.routerEndpoint, serverKey: routerKey, keyPair: keyPair,
                            software: "\(profile.executableName)/1", retryInterval: .seconds(2)),
            delegate: sealingDelegate, logger: logger)
        events.attach(client)
        sealingDelegate.attach(client)
    }

    /// Whether the daemon is connected to the router, and if not why (for the desk; `status`
    /// reads the same from `worker-state.json`).
    public var runtimeState: WorkerRuntimeState { stateWriter.snapshot }

    /// Starts the client and the spool thread; returns at once.
    public func start() throws {
        let alreadyStarted = control.withLock { control in
            defer { control.started = true }
            return control.started
        }
        guard !alreadyStarted else { return }
        stateWriter.write()
        events.restoreInboxFiles()
        client.start()
        // What the ledger holds but the router has not acknowledged goes out again first.
        let unacknowledged = try ledger.unacknowledgedSent()
        client.send(sealing.outbound(unacknowledged).map(OutboundRequest.submit))
        client.send(try ledger.undeliverableSent().compactMap { sealing.resealUndeliverable($0.id, always: true, reason: nil) }
            .map(OutboundRequest.submit))
        logger.info("worker started", metadata: [
            "agency": "\(config.agency)", "worker.kind": "\(profile.kind)", "resubmitting": "\(unacknowledged.count)",
        ])
        let thread = Thread { [self] in
            defer { finished.signal() }
            spoolLoop()
        }
        thread.name = "tsunagi-spool"
        thread.start()
        notifier.ready(status: "serving \(config.agency)")
    }

    /// Finishes the file in hand, stops the client and returns once both have ended.
    public func stop() {
        let wasStarted = control.withLock { control in
            control.stopRequested = true
            return control.started
        }
        notifier.stopping()
        if wasStarted {
            finished.wait()
            finished.signal()
        }
        client.stop()
        stateWriter.stopped()
        logger.info("worker stopped", metadata: ["agency": "\(config.agency)"])
        fullyStopped.signal()
    }

    /// Returns once `stop()` has finished: the spool thread and the connection are closed.
    public func waitUntilStopped() {
        fullyStopped.wait()
        fullyStopped.signal()
    }

    private var stopRequested: Bool { control.withLock { $0.stopRequested } }

    private func spoolLoop() {
        var scanner = OutboxScanner(folders: folders, logger: logger)
        let clock = ContinuousClock()
        var nextReport = clock.now
        var nextWatchdog = clock.now
        while !stopRequested {
            for name in scanner.readyFiles() {
                if stopRequested { break }
                take(fileNamed: name)
            }
            sendQueuedAnswers()
            let now = clock.now
            if now >= nextReport {
                let today = CivilDate.today()
                sendReports(for: [today.adding(days: -1), today])
                nextReport = now + Self.reportInterval
            }
            if let requested = try? ledger.takeReportRequests(), !requested.isEmpty {
                sendReports(for: requested)
            }
            if let interval = notifier.watchdogInterval, now >= nextWatchdog {
                notifier.watchdog()
                nextWatchdog = now + interval
            }
            Thread.sleep(forTimeInterval: Self.pollInterval)
        }
    }

    /// Reads one outbox file; records its referrals and submits them, or rejects it with a reason.
    func take(fileNamed name: String) {
        let door = OutboxDoor(folders: folders)
        let data: Data
        let modified: Date
        switch door.open(name) {
        case .file(let contents, let time): (data, modified) = (contents, time)
        case .refused(let reason): return reject(name, reason: reason)
        case .gone: return
        }
        let referrals: [ReferralFileReader.FileReferral]
        do {
            // A row without 作成日時 whose id was sent before takes the time it was sent with.
            referrals = try reader.readReferrals(data, name: name, modified: modified) { [ledger] id in
                (try? ledger.sentReferral(id))?.routing.createdAt
            }
        } catch {
            return reject(name, reason: error)
        }
        if let reason = sealing.cannotSeal(referrals.map(\.referral)) {
            return reject(name, reason: RejectionReason(reason))
        }
        let outcomes: [(item: ReferralFileReader.FileReferral, outcome: RecordOutcome)]
        do {
            outcomes = Array(zip(referrals, try ledger.recordSent(referrals.map(\.referral), sourceFile: name)))
        } catch {
            // The ledger cannot be written (and holds none of the file): leave the file where it
            // is and try again next scan.
            logger.error("cannot record an outbox file in the ledger; will retry", metadata: ["error": "\(error)"])
            return
        }
        let recorded = outcomes.filter { $0.outcome == .recorded }.map(\.item)
        let repeats = outcomes.filter { $0.outcome == .alreadyRecorded }.map(\.item)
        let conflicts = outcomes.filter { $0.outcome == .conflict }.map(\.item)
        // Only what is new goes out: a repeat is in the ledger already, sent or being resent.
        client.send(sealing.outbound(recorded.map(\.referral)).map(OutboundRequest.submit))
        for item in recorded {
            logger.info("referral recorded for sending", metadata: [
                "referral.id": "\(item.referral.id)", "agency.to": "\(item.referral.routing.to)",
            ])
        }
        if !repeats.isEmpty {
            logger.info("an outbox file repeats referrals already sent; they are not sent again",
                        metadata: ["outbox.repeats": "\(repeats.count)", "outbox.new": "\(recorded.count)"])
        }
        if conflicts.isEmpty {
            do {
                try door.markSent(name)
            } catch {
                logger.error("cannot move a sent outbox file", metadata: ["error": "\(error)"])
            }
        } else {
            reject(name, reason: RejectionReason(
                conflicts.map { FileOutcome.conflict($0, earlier: try? ledger.sentReferral($0.referral.id), profile: profile) },
                nothingSent: recorded.isEmpty,
                outcomes: outcomes.compactMap { item, outcome in
                    switch outcome {
                    case .recorded: FileOutcome.sent(item)
                    case .alreadyRecorded: FileOutcome.repeated(item)
                    case .conflict: nil
                    }
                }))
        }
    }

    func reject(_ name: String, reason: RejectionReason) {
        do {
            try OutboxDoor(folders: folders).reject(name, reason: reason)
            logger.warning("an outbox file was rejected; the reason is beside it in rejected/", metadata: ["agency": "\(config.agency)"])
        } catch {
            logger.error("cannot move a rejected outbox file", metadata: ["error": "\(error)"])
        }
    }

    func sendQueuedAnswers() {
        guard let answers = try? ledger.queuedAnswers(), !answers.isEmpty else { return }
        let fresh = events.markInFlight(answers)
        client.send(fresh.map { OutboundRequest.transition($0.transition, $0.referral, detail: $0.detail, staff: $0.staff) })
    }

    func sendReports(for days: [CivilDate]) {
        for day in days {
            do {
                client.send(.report(try ledger.report(agency: config.agency, day: day)))
            } catch {
                logger.error("cannot build the ledger report", metadata: ["report.day": "\(day)", "error": "\(error)"])
            }
        }
    }
}

/// What the router tells the worker, applied to the inbox and the ledger before it is confirmed.
final class WorkerEvents: RouterClientDelegate {
    let agency: AgencyID
    let ledger: AgencyLedger
    let folders: WorkerFolders
    let logger: Logger
    let state: WorkerStateWriter
    /// Inbox files are group-readable when the data folder is shared with the staff group.
    let inboxMode: mode_t
    private let client = Mutex<RouterClient?>(nil)
    /// Answers handed to the client and not yet answered by the router (keys), so that the
    /// queue poll does not hand them over again.
    private let inFlight = Mutex<Set<String>>([])
    /// Whether the client is connected to the router now (the desk's header shows it).
    var isConnected: Bool { state.snapshot.connected }

    /// When this agency must answer a referral whose sender set no due date.
    let answerDueRule: AnswerDueRule

    init(agency: AgencyID, ledger: AgencyLedger, folders: WorkerFolders, logger: Logger, state: WorkerStateWriter,
         answerDueRule: AnswerDueRule) {
        self.agency = agency
        self.answerDueRule = answerDueRule
        self.ledger = ledger
        self.folders = folders
        self.logger = logger
        self.state = state
        inboxMode = folders.sharedWithGroup ? 0o640 : 0o600
    }

    func attach(_ client: RouterClient) { self.client.withLock { $0 = client } }

    func markInFlight(_ answers: [QueuedAnswer]) -> [QueuedAnswer] {
        inFlight.withLock { keys in
            answers.filter { keys.insert("\($0.transition.rawValue) \($0.referral)").inserted }
        }
    }

    private func landed(_ transition: Transition, _ id: ReferralID) {
        _ = inFlight.withLock { $0.remove("\(transition.rawValue) \(id)") }
    }

    /// The ledger records the batch in one transaction; then each referral is written to the
    /// inbox. The ledger is the durable record: a start-up writes again any inbox file a crash
    /// lost, so the inbox files need no fsync of their own.
    func store(deliveries: [Referral]) -> [Bool] {
        let outcomes: [RecordOutcome]
        do {
            outcomes = try ledger.recordReceived(deliveries, dueRule: answerDueRule)
        } catch {
            logger.error("cannot store delivered referrals; the router will deliver them again",
                         metadata: ["batch.size": "\(deliveries.count)", "error": "\(error)"])
            return deliveries.map { _ in false }
        }
        for (delivery, outcome) in zip(deliveries, outcomes) {
            if outcome == .recorded {
                logger.info("referral received", metadata: ["referral.id": "\(delivery.id)", "agency.from": "\(delivery.routing.from)"])
            }
            writeInboxFile(delivery)
        }
        DurableFiles.syncFolder(folders.inbox)
        // Stored in the ledger is stored: a missing inbox file is written again at start.
        return deliveries.map { _ in true }
    }

    func writeInboxFile(_ referral: Referral) {
        do {
            try DurableFiles.write(Self.inboxDocument(referral), to: folders.inboxFile(for: referral.id.rawValue), mode: inboxMode,
                                   durable: false)
        } catch {
            logger.error("cannot write an inbox file; it is written again at the next start",
                         metadata: ["referral.id": "\(referral.id)", "error": "\(error)"])
        }
    }

    /// Writes the inbox file of every received referral that lacks one (a crash came between the
    /// ledger's commit and the file reaching the disk).
    func restoreInboxFiles() {
        guard let received = try? ledger.received() else { return }
        var restored = 0
        for item in received where item.personalErasedAt == nil
            && !FileManager.default.fileExists(atPath: folders.inboxFile(for: item.referral.id.rawValue)) {
            writeInboxFile(item.referral)
            restored += 1
        }
        if restored > 0 {
            DurableFiles.syncFolder(folders.inbox)
            logger.notice("inbox files written again from the ledger", metadata: ["inbox.restored": "\(restored)"])
        }
    }

    func apply(status: StatusUpdate) -> Bool {
        do {
            try ledger.apply(status)
            if status.state == .withdrawn {
                // The ledger erased the person's details with the update; the inbox file goes too.
                let file = folders.inboxFile(for: status.referral.rawValue)
                if FileManager.default.fileExists(atPath: file) {
                    try FileManager.default.removeItem(atPath: file)
                    DurableFiles.syncFolder(folders.inbox)
                }
            }
            logger.info("status update applied", metadata: [
                "referral.id": "\(status.referral)", "referral.state": "\(status.state.rawValue)", "agency.actor": "\(status.actor)",
            ])
            return true
        } catch {
            logger.error("cannot apply a status update; the router will send it again",
                         metadata: ["referral.id": "\(status.referral)", "error": "\(error)"])
            return false
        }
    }

    func answered(_ request: OutboundRequest, with reply: RouterMessage) {
        do {
            switch (request, reply) {
            case (.submit(let referral), .submitted(_, let state)):
                try ledger.markSubmitted(referral.id, state: state)
                logger.info("referral acknowledged by the router", metadata: ["referral.id": "\(referral.id)", "referral.state": "\(state.rawValue)"])
            case (.submit(let referral), .error(let error, _, _)):
                try ledger.markRefused(referral.id, sentence: error.message, code: error.code.rawValue)
                logger.warning("the router refused a referral", metadata: ["referral.id": "\(referral.id)", "error.code": "\(error.code.rawValue)", "error.name": "\(error.code.name)"])
            case (.transition(let transition, let id, _, _), .done(_, _, let state)):
                try ledger.markAnswerDone(transition, for: id, state: state, actor: agency)
                landed(transition, id)
                logger.info("answer applied by the router", metadata: ["referral.id": "\(id)", "referral.state": "\(state.rawValue)"])
            case (.transition(let transition, let id, _, _), .error(let error, _, _)):
                try ledger.markAnswerRefused(transition, for: id, sentence: error.message, code: error.code.rawValue)
                landed(transition, id)
                logger.warning("the router refused an answer", metadata: ["referral.id": "\(id)", "error.code": "\(error.code.rawValue)", "error.name": "\(error.code.name)"])
            case (.report(let report), .reported):
                logger.info("ledger report taken by the router", metadata: ["report.day": "\(report.day)", "report.entries": "\(report.entries.count)"])
            case (.report(let report), .error(let error, _, _)):
                logger.warning("the router refused the ledger report", metadata: ["report.day": "\(report.day)", "error.code": "\(error.code.rawValue)"])
            default:
                logger.warning("unexpected answer from the router", metadata: ["request": "\(request.key)"])
            }
        } catch {
            // The next start resubmits what the ledger does not show as answered.
            logger.error("cannot record the router's answer in the ledger", metadata: ["request": "\(request.key)", "error": "\(error)"])
        }
    }

    func resendRequested(_ id: ReferralID) {
        guard let referral = try? ledger.sentReferral(id) else {
            logger.warning("the router asked for a referral this ledger does not hold", metadata: ["referral.id": "\(id)"])
            return
        }
        logger.info("resending a referral on the router's request", metadata: ["referral.id": "\(id)"])
        client.withLock { $0 }?.send(.submit(referral))
    }

    func connectionTrouble(_ trouble: ConnectionTrouble?) {
        state.trouble(trouble)
    }

    func connectionChanged(connected: Bool) {
        state.connected(connected)
        if !connected {
            // The client resends what it holds; the queue poll need not hand answers over again.
            return
        }
        logger.info("router connection up", metadata: ["agency": "\(agency)"])
    }

    /// The inbox file: routing and personal as one readable JSON document.
    static func inboxDocument(_ referral: Referral) throws -> Data {
        let routing = try JSONSerialization.jsonObject(with: Data(referral.routing.canonicalJSON()))
        let personal: Any = (try? JSONSerialization.jsonObject(with: Data(referral.personal), options: [.fragmentsAllowed]))
            ?? ["encoded_base64": Data(referral.personal).base64EncodedString()]
        return try JSONSerialization.data(withJSONObject: ["routing": routing, "personal": personal],
                                          options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
