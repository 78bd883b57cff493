import Foundation
import Logging
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// What the router knows about one connected agency's worker.
struct AgencyLink {
    var routingID: [UInt8]
    var lastHeard: ContinuousClock.Instant
    /// Deliveries sent and not yet confirmed, by referral id.
    var deliveries: [ReferralID: InFlight] = [:]
    /// Status updates sent and not yet acknowledged, by event sequence.
    var notices: [Int64: InFlight] = [:]
    /// The highest store sequence read so far while draining the backlog.
    var deliveryCursor: Int64 = 0
    var noticeCursor: Int64 = 0
    /// The store may hold more for this agency than is in flight.
    var backlog = true

    struct InFlight {
        var sentAt: ContinuousClock.Instant
        var attempts: Int
        var message: RouterMessage
    }
}

/// The router's event loop state; lives on the router's thread only.
struct RouterLoop {
    let router: Router
    var links: [AgencyID: AgencyLink] = [:]
    let clock = ContinuousClock()
    var nextHousekeeping: ContinuousClock.Instant
    var nextBacklogScan: ContinuousClock.Instant
    var nextWatchdog: ContinuousClock.Instant
    var nextActivityLog: ContinuousClock.Instant
    /// Counts since the last activity line: one line a minute instead of one per referral (each
    /// referral's history is in the store; `tsunagi show` reads it). Per-referral lines are debug.
    var activity = Activity()

    struct Activity: Equatable {
        var submitted = 0
        var changed = 0
        var refused = 0
    }
    var logger: Logger { router.logger }
    let calendar = BusinessCalendar.japanesePublicOffices

    init(router: Router) {
        self.router = router
        let now = ContinuousClock.now
        nextHousekeeping = now
        nextBacklogScan = now
        nextWatchdog = now
        nextActivityLog = now.advanced(by: .seconds(60))
    }

    /// A request waiting in a batch for its commit, with what its answer needs.
    struct Waiting {
        let routingID: [UInt8]
        let agency: AgencyID
        let request: StoreRequest
        let command: String
        let referral: String
    }

    /// The batch being gathered while the previous one commits.
    var openBatch: [Waiting] = []
    /// The batch whose transaction is on the store's writer thread, if any.
    var committing: [Waiting]?
    /// Where the writer thread leaves a finished commit's results for this thread.
    let commitResults = CommitMailbox()

    mutating func serve(_ socket: borrowing Socket) {
        var poller = Poller()
        poller.register(socket, for: .readable)
        poller.register(fileDescriptor: commitResults.wakeSignal.fileDescriptor, for: .readable)
        while !router.stopRequested {
            do {
                _ = try poller.poll(timeoutMilliseconds: 100)
                commitResults.wakeSignal.clear()
                if let results = commitResults.take() { finishCommit(results, socket: socket) }
                // A full batch waiting on a commit leaves further messages queued in libzmq.
                if openBatch.count < router.config.maxBatch { try takeIn(socket) }
                startCommitIfIdle()
                let now = clock.now
                if now >= nextHousekeeping {
                    housekeeping(socket, now: now)
                    nextHousekeeping = now.advanced(by: .milliseconds(200))
                }
            } catch let error as ZMQError where error.isShutdown {
                break
            } catch {
                logger.error("router loop error", metadata: ["error": "\(error)"])
            }
        }
        // Graceful stop: finish the commit under way and the batch gathered, answer them, close.
        while committing != nil || !openBatch.isEmpty {
            startCommitIfIdle()
            guard let results = commitResults.wait(timeout: .seconds(30)) else {
                logger.error("the store did not finish its last commit in time")
                break
            }
            finishCommit(results, socket: socket)
        }
    }

    // MARK: Batches

    /// Reads what has arrived (up to the open batch's room): answers what needs no store at
    /// once, and gathers the rest into the open batch.
    mutating func takeIn(_ socket: borrowing Socket) throws {
        let now = clock.now
        while openBatch.count < router.config.maxBatch, let message = try socket.receive(flags: .dontWait) {
            guard let routingID = message.frames.first else { continue }
            let frames = Array(message.frames.dropFirst())
            guard let userID = message.userID, let agency = AgencyID(rawValue: userID) else {
                // Only reachable if a connection bypassed the authenticator; answer and count it.
                answer(refusal(.unauthenticated, "this connection is not authenticated: connect with CURVE and a registered key", frames),
                       to: routingID, agency: nil, socket: socket)
                continue
            }
            noteHeard(agency, routingID: routingID, at: now)
            let decoded: WorkerMessage
            do {
                decoded = try WorkerMessage.decode(frames)
            } catch {
                answer(.error(error, command: commandName(frames), referral: referralNamed(in: frames)),
                       to: routingID, agency: agency, socket: socket)
                continue
            }
            switch admit(decoded, from: agency) {
            case .answer(let reply):
                answer(reply, to: routingID, agency: agency, socket: socket)
            case .store(let request, let command, let referral):
                openBatch.append(Waiting(routingID: routingID, agency: agency, request: request, command: command, referral: referral))
            }
        }
    }

    /// Hands the open batch to the store when no commit is under way: one transaction, one fsync.
    mutating func startCommitIfIdle() {
        guard committing == nil, !openBatch.isEmpty else { return }
        let batch = openBatch
        openBatch = []
        committing = batch
        let mailbox = commitResults
        let (counters, size, started) = (router.counters, batch.count, ContinuousClock.now)
        router.store.applyInBackground(batch.map(\.request)) { result in counters.recordCommit(size: size, since: started); mailbox.put(result) }
    }

    /// Answers every request of the committed batch, now that it is on disk, and pushes what it caused.
    mutating func finishCommit(_ results: Result<[StoreResult], StoreError>, socket: borrowing Socket) {
        guard let batch = committing else { return }
        committing = nil
        let now = clock.now
        switch results {
        case .success(let results):
            for (waiting, result) in zip(batch, results) {
                if let reply = afterCommit(result, request: waiting.request, agency: waiting.agency, socket: socket, now: now) {
                    answer(reply, to: waiting.routingID, agency: waiting.agency, socket: socket)
                }
            }
        case .failure(let error):
            logger.error("store write failed; nothing in this batch was acknowledged", metadata: [
                "batch.size": "\(batch.count)", "error": "\(error)",
            ])
            for waiting in batch {
                answer(.error(ProtocolError(.storeUnavailable,
                    "the router could not store this (\(error)); nothing was recorded: send it again later"),
                    command: waiting.command, referral: waiting.referral),
                       to: waiting.routingID, agency: waiting.agency, socket: socket)
            }
        }
    }

    /// Sends an answer, counting and logging refusals (codes and agencies only).
    mutating func answer(_ reply: RouterMessage, to routingID: [UInt8], agency: AgencyID?, socket: borrowing Socket) {
        if case .error(let error, _, _) = reply {
            router.counters.count(error.code)
            activity.refused += 1
            logger.notice("request refused", metadata: [
                "agency": "\(agency?.rawValue ?? "unauthenticated")", "error.code": "\(error.code.rawValue)",
                "error.name": "\(error.code.name)",
            ])
        }
        send(reply, to: routingID, agency: agency, socket: socket)
    }

    enum Admission {
        case answer(RouterMessage)
        case store(StoreRequest, command: String, referral: String)
    }

    /// Checks what only the router can check (identity, registry) before anything is stored.
    mutating func admit(_ message: WorkerMessage, from agency: AgencyID) -> Admission {
        switch message {
        case .hello:
            resetLink(agency)
            return .answer(.welcome(agency: agency, heartbeatMilliseconds: WireProtocol.heartbeatIntervalMilliseconds))
        case .ping:
            return .answer(.pong)
        case .submit(let referral):
            let routing = referral.routing
            guard routing.from == agency else {
                return .answer(.error(ProtocolError(.spoofedSender,
                    "referral \(routing.id) says it is from \(routing.from), but this connection is \(agency): a worker sends only its own agency's referrals"),
                    command: Command.submit.rawValue, referral: routing.id.rawValue))
            }
            let destination = router.registry.withLock { $0[routing.to] }
            guard let destination else {
                return .answer(.error(ProtocolError(.unknownAgency,
                    "\(routing.to) is not in the agency registry: check the id, or ask the prefecture to register it"),
                    command: Command.submit.rawValue, referral: routing.id.rawValue))
            }
            let today = CivilDate.today()
            let dueDay = routing.dueDate ?? calendar.adding(businessDays: destination.ackDueBusinessDays, to: today)
            return .store(.submit(referral, dueDay: dueDay), command: Command.submit.rawValue, referral: routing.id.rawValue)
        case .transition(let transition, let id, let detail):
            return .store(.transition(transition, id, by: agency, detail: detail),
                          command: Command.transition(transition).rawValue, referral: id.rawValue)
        case .statusAck(let sequence):
            return .store(.acknowledgeStatus(sequence: sequence, by: agency), command: Command.statusAck.rawValue, referral: "")
        case .report(let report):
            guard report.agency == agency else {
                return .answer(.error(ProtocolError(.spoofedSender,
                    "the report is for \(report.agency), but this connection is \(agency)"),
                    command: Command.report.rawValue, referral: report.day.description))
            }
            return .store(.report(report), command: Command.report.rawValue, referral: report.day.description)
        }
    }

    /// Turns a committed result into the acknowledgement, and pushes what it caused.
    mutating func afterCommit(_ result: StoreResult, request: StoreRequest, agency: AgencyID,
                              socket: borrowing Socket, now: ContinuousClock.Instant) -> RouterMessage? {
        switch result {
        case .submitted(let id, let state, let isNew):
            if isNew, case .submit(let referral, _) = request {
                activity.submitted += 1
                router.counters.countSubmit()
                logger.debug("referral submitted", metadata: [
                    "referral.id": "\(id)", "agency.from": "\(referral.routing.from)", "agency.to": "\(referral.routing.to)",
                ])
                deliverNow(referral, socket: socket, now: now)
            }
            return .submitted(id, state)
        case .transitioned(let transition, let id, let state, let notices):
            if transition != .withdraw { links[agency]?.deliveries[id] = nil }
            if !notices.isEmpty {
                activity.changed += 1
                logger.debug("referral \(state.rawValue)", metadata: ["referral.id": "\(id)", "agency.actor": "\(agency)"])
            }
            for notice in notices { notify(notice, socket: socket, now: now) }
            // A delivery confirmation needs no answer: a lost one is repaired by redelivery.
            return transition == .confirmDelivery ? nil : .done(transition, id, state)
        case .statusAcknowledged:
            if case .acknowledgeStatus(let sequence, _) = request { links[agency]?.notices[sequence] = nil }
            return nil
        case .reported(let day):
            logger.info("ledger report stored", metadata: ["agency": "\(agency)", "report.day": "\(day)"])
            return .reported(day)
        case .refused(let error):
            let (command, referral) = Self.describe(request)
            return .error(error, command: command, referral: referral)
        }
    }

    static func describe(_ request: StoreRequest) -> (String, String) {
        switch request {
        case .submit(let referral, _): (Command.submit.rawValue, referral.id.rawValue)
        case .transition(let transition, let id, _, _): (Command.transition(transition).rawValue, id.rawValue)
        case .acknowledgeStatus: (Command.statusAck.rawValue, "")
        case .report(let report): (Command.report.rawValue, report.day.description)
        }
    }

    // MARK: Links

    mutating func noteHeard(_ agency: AgencyID, routingID: [UInt8], at now: ContinuousClock.Instant) {
        if links[agency]?.routingID == routingID {
            links[agency]!.lastHeard = now
        } else {
            // A new connection (or the first): whatever was in flight to the old one is sent again.
            links[agency] = AgencyLink(routingID: routingID, lastHeard: now)
            logger.info("agency connected", metadata: ["agency": "\(agency)"])
        }
    }

    mutating func resetLink(_ agency: AgencyID) {
        guard let link = links[agency] else { return }
        links[agency] = AgencyLink(routingID: link.routingID, lastHeard: link.lastHeard)
    }

    mutating func deliverNow(_ referral: Referral, socket: borrowing Socket, now: ContinuousClock.Instant) {
        let agency = referral.routing.to
        guard var link = links[agency] else { return }
        // Keep order: while older ones wait in the store, this one waits behind them.
        guard !link.backlog, link.deliveries.count < WireProtocol.deliveryWindow else {
            links[agency]?.backlog = true
            return
        }
        let message = RouterMessage.deliver(referral)
        link.deliveries[referral.id] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
        links[agency] = link
        send(message, to: link.routingID, agency: agency, socket: socket)
    }

    mutating func notify(_ notice: Notice, socket: borrowing Socket, now: ContinuousClock.Instant) {
        guard var link = links[notice.agency] else { return }
        guard !link.backlog, link.notices.count < WireProtocol.deliveryWindow else {
            links[notice.agency]?.backlog = true
            return
        }
        let message = RouterMessage.status(notice.update)
        link.notices[notice.update.sequence] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
        links[notice.agency] = link
        send(message, to: link.routingID, agency: notice.agency, socket: socket)
    }

    /// Sends without ever blocking the loop. A peer that is gone or full is dropped from the
    /// links: what it missed stays in the store and goes again when it returns.
    mutating func send(_ message: RouterMessage, to routingID: [UInt8], agency: AgencyID?, socket: borrowing Socket) {
        do {
            if try !socket.send([routingID] + message.frames(), flags: .dontWait), let agency {
                dropLink(agency, reason: "its queue is full")
            }
        } catch {
            if let agency { dropLink(agency, reason: "\(error)") }
        }
    }

    mutating func dropLink(_ agency: AgencyID, reason: String) {
        guard links.removeValue(forKey: agency) != nil else { return }
        logger.info("agency disconnected", metadata: ["agency": "\(agency)", "reason": "\(reason)"])
    }

    // MARK: Housekeeping

    /// Redelivers what was not confirmed in time, refills windows from the store, forgets silent
    /// peers, and feeds the systemd watchdog.
    mutating func housekeeping(_ socket: borrowing Socket, now: ContinuousClock.Instant) {
        if let interval = router.notifier.watchdogInterval, now >= nextWatchdog {
            router.notifier.watchdog()
            nextWatchdog = now.advanced(by: interval)
        }
        router.counters.observe(links: links.mapValues { .init(lastHeard: $0.lastHeard, deliveries: $0.deliveries.count, notices: $0.notices.count) }, at: now)
        let timeout = Duration.milliseconds(WireProtocol.peerTimeoutMilliseconds)
        for (agency, link) in links where now - link.lastHeard > timeout {
            dropLink(agency, reason: "silent for \(WireProtocol.peerTimeoutMilliseconds) ms")
        }
        if now >= nextActivityLog {
            nextActivityLog = now.advanced(by: .seconds(60))
            if activity != Activity() {
                logger.info("activity in the last minute", metadata: [
                    "referrals.submitted": "\(activity.submitted)", "referrals.changed": "\(activity.changed)",
                    "requests.refused": "\(activity.refused)", "agencies.connected": "\(links.count)",
                ])
                activity = Activity()
            }
        }
        if now >= nextBacklogScan {
            nextBacklogScan = now.advanced(by: .seconds(1))
            // Another process (reconcile) may have asked for a redelivery or a status resend of an
            // old referral, behind the read cursors: read again from the start.
            for (agency, link) in links where !link.backlog {
                if (try? router.store.hasBacklog(for: agency)) == true {
                    links[agency]!.backlog = true
                    links[agency]!.deliveryCursor = 0
                    links[agency]!.noticeCursor = 0
                }
            }
        }
        for agency in Array(links.keys) {
            redeliverOverdue(agency, socket: socket, now: now)
            if links[agency]?.backlog == true { refill(agency, socket: socket, now: now) }
        }
    }

    mutating func redeliverOverdue(_ agency: AgencyID, socket: borrowing Socket, now: ContinuousClock.Instant) {
        guard var link = links[agency] else { return }
        var due: [RouterMessage] = []
        for (id, flight) in link.deliveries where now - flight.sentAt > Self.backoff(flight.attempts) {
            link.deliveries[id] = AgencyLink.InFlight(sentAt: now, attempts: flight.attempts + 1, message: flight.message)
            due.append(flight.message)
        }
        for (sequence, flight) in link.notices where now - flight.sentAt > Self.backoff(flight.attempts) {
            link.notices[sequence] = AgencyLink.InFlight(sentAt: now, attempts: flight.attempts + 1, message: flight.message)
            due.append(flight.message)
        }
        links[agency] = link
        router.counters.countRedeliveries(due.count)
        for message in due { send(message, to: link.routingID, agency: agency, socket: socket) }
    }

    static func backoff(_ attempts: Int) -> Duration {
        let millis = min(WireProtocol.redeliveryMaximumMilliseconds,
                         WireProtocol.redeliveryInitialMilliseconds << min(attempts - 1, 10))
        return .milliseconds(millis)
    }

    /// Fills the agency's windows from the store, oldest first.
    mutating func refill(_ agency: AgencyID, socket: borrowing Socket, now: ContinuousClock.Instant) {
        guard var link = links[agency] else { return }
        var outgoing: [RouterMessage] = []
        do {
            var exhausted = true
            let room = WireProtocol.deliveryWindow - link.deliveries.count
            if room > 0 {
                let batch = try router.store.undelivered(to: agency, afterSequence: link.deliveryCursor, limit: room)
                if batch.count == room { exhausted = false }
                for stored in batch {
                    link.deliveryCursor = max(link.deliveryCursor, stored.sequence)
                    guard link.deliveries[stored.referral.id] == nil else { continue }
                    let message = RouterMessage.deliver(stored.referral)
                    link.deliveries[stored.referral.id] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
                    outgoing.append(message)
                }
            } else {
                exhausted = false
            }
            let noticeRoom = WireProtocol.deliveryWindow - link.notices.count
            if noticeRoom > 0 {
                let updates = try router.store.unacknowledgedNotices(for: agency, afterSequence: link.noticeCursor, limit: noticeRoom)
                if updates.count == noticeRoom { exhausted = false }
                for update in updates {
                    link.noticeCursor = max(link.noticeCursor, update.sequence)
                    guard link.notices[update.sequence] == nil else { continue }
                    let message = RouterMessage.status(update)
                    link.notices[update.sequence] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
                    outgoing.append(message)
                }
            } else {
                exhausted = false
            }
            for id in try router.store.takeResendRequests(for: agency) {
                outgoing.append(.resend(id))
            }
            link.backlog = !exhausted
        } catch {
            logger.error("cannot read the backlog", metadata: ["agency": "\(agency)", "error": "\(error)"])
        }
        links[agency] = link
        for message in outgoing { send(message, to: link.routingID, agency: agency, socket: socket) }
    }

    // MARK: Errors

    func refusal(_ code: ErrorCode, _ message: String, _ frames: [[UInt8]]) -> RouterMessage {
        .error(ProtocolError(code, message), command: commandName(frames), referral: "")
    }

    /// The referral (or report day) a refused request was about, when it can be read at all, so
    /// the sender can match the refusal to its request and stop retrying it.
    func referralNamed(in frames: [[UInt8]]) -> String {
        guard frames.count >= 3 else { return "" }
        switch commandName(frames) {
        case Command.submit.rawValue:
            guard frames[2].count <= Limits.routingBytes * 4,
                  let object = try? JSONSerialization.jsonObject(with: Data(frames[2])) as? [String: Any],
                  let id = object["id"] as? String, ReferralID(rawValue: id) != nil else { return "" }
            return id
        case Command.report.rawValue:
            guard frames[2].count <= Limits.reportBytes,
                  let object = try? JSONSerialization.jsonObject(with: Data(frames[2])) as? [String: Any],
                  let day = object["day"] as? String, CivilDate(day) != nil else { return "" }
            return day
        case "":
            return ""
        default:
            return ReferralID(rawValue: String(decoding: frames[2].prefix(64), as: UTF8.self))?.rawValue ?? ""
        }
    }

    func commandName(_ frames: [[UInt8]]) -> String {
        guard frames.count >= 2, frames[1].count <= 32, let text = String(validating: frames[1], as: UTF8.self),
              Command(rawValue: text) != nil else { return "" }
        return text
    }
}

/// Hands a finished commit from the store's writer thread to the router's thread, and wakes it.
final class CommitMailbox: Sendable {
    let wakeSignal = WakeSignal()
    private let slot = Mutex<Result<[StoreResult], StoreError>?>(nil)
    private let filled = DispatchSemaphore(value: 0)

    func put(_ result: Result<[StoreResult], StoreError>) {
        slot.withLock { $0 = result }
        filled.signal()
        wakeSignal.wake()
    }

    func take() -> Result<[StoreResult], StoreError>? {
        guard filled.wait(timeout: .now()) == .success else { return nil }
        return slot.withLock { value in
            defer { value = nil }
            return value
        }
    }

    /// Blocks until a commit finishes (used only while stopping).
    func wait(timeout: Duration) -> Result<[StoreResult], StoreError>? {
        let nanoseconds = Int(timeout.components.seconds) * 1_000_000_000
        guard filled.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        return slot.withLock { value in
            defer { value = nil }
            return value
        }
    }
}
