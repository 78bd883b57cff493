import Foundation
import Logging
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// Batching: the open batch goes to the store as one transaction (one fsync) while the next
/// gathers; each request is answered only once its batch is committed.
extension RouterLoop {
    /// A request waiting in a batch for its commit, with what its answer needs.
    struct Waiting {
        let routingID: [UInt8]
        let agency: AgencyID
        let request: StoreRequest
        let command: String
        let referral: String

        /// A request the loop made itself (forgetting resend requests it has passed on) has
        /// nobody to answer.
        var isOwn: Bool {
            if case .forgetResendRequests = request { true } else { false }
        }
    }

    /// The loop's own request to forget resend requests once it has passed them on: it commits
    /// with the next batch instead of stalling the loop behind a write of its own.
    static func forgetting(_ ids: [ReferralID], askedOf agency: AgencyID) -> Waiting {
        Waiting(routingID: [], agency: agency, request: .forgetResendRequests(ids, of: agency), command: "", referral: "")
    }

    /// After a failed commit: resend requests not forgotten are passed on again later.
    mutating func releaseAsked(_ batch: [Waiting]) {
        for waiting in batch {
            if case .forgetResendRequests(let ids, let agency) = waiting.request {
                links[agency]?.resendsAsked.subtract(ids)
            }
        }
    }

    /// Hands the open batch to the store when no commit is under way and the batch is ready (see
    /// `Gathering`), or at once with `force`: one transaction, one fsync.
    mutating func startCommitIfIdle(now: ContinuousClock.Instant, force: Bool = false) {
        guard committing == nil, !openBatch.isEmpty, router.failure == nil else { return }
        guard force || gathering.isReady(count: openBatch.count, maxBatch: router.config.maxBatch, at: now) else { return }
        gathering.handedOver()
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
        let now = clock()
        switch results {
        case .success(let results):
            var answered = 0
            for (waiting, result) in zip(batch, results) {
                if let reply = afterCommit(result, request: waiting.request, agency: waiting.agency, socket: socket, now: now) {
                    answer(reply, to: waiting.routingID, agency: waiting.agency, socket: socket)
                    answered += 1
                }
            }
            // Only answered requests bring a next one back (a delivery confirmation gets no answer).
            gathering.answered(answered)
        case .failure(let error) where error.outcomeUnknown:
            // The commit may be on disk or not (a failed fsync does not undo a WAL commit), and
            // after a failed fsync the page cache no longer says what the disk holds. Say so, stop
            // writing, and exit: systemd restarts the router, and the fresh start reads the disk.
            logger.critical("store write failed and may or may not be on disk; the router stops for a restart", metadata: [
                "batch.size": "\(batch.count)", "error": "\(error)",
            ])
            releaseAsked(batch)
            for waiting in batch where !waiting.isOwn {
                answer(.error(ProtocolError(.storeUnavailable,
                    "the router's disk failed while storing this (\(error)): it may or may not be recorded. Send it again: a repeat is harmless, the router keeps one copy"),
                    command: waiting.command, referral: waiting.referral),
                       to: waiting.routingID, agency: waiting.agency, socket: socket)
            }
            router.fail(error)
        case .failure(let error):
            logger.error("store write failed; nothing in this batch was recorded", metadata: [
                "batch.size": "\(batch.count)", "error": "\(error)",
            ])
            releaseAsked(batch)
            for waiting in batch where !waiting.isOwn {
                answer(.error(ProtocolError(.storeUnavailable,
                    "the router could not store this (\(error)); nothing was recorded: send it again later"),
                    command: waiting.command, referral: waiting.referral),
                       to: waiting.routingID, agency: waiting.agency, socket: socket)
            }
        }
    }

    /// Answers a batch that will not be written because the router is stopping after a store failure.
    mutating func refuseUnwritten(_ batch: [Waiting], because error: any Error, socket: borrowing Socket) {
        for waiting in batch where !waiting.isOwn {
            answer(.error(ProtocolError(.storeUnavailable,
                "the router is restarting after a disk error (\(error)); this was not recorded: send it again"),
                command: waiting.command, referral: waiting.referral),
                   to: waiting.routingID, agency: waiting.agency, socket: socket)
        }
    }

    /// Turns a committed result into the acknowledgement, and pushes what it caused.
    mutating func afterCommit(_ result: StoreResult, request: StoreRequest, agency: AgencyID,
                              socket: borrowing Socket, now: ContinuousClock.Instant) -> RouterMessage? {
        switch result {
        case .submitted(let id, let state, let isNew, let sequence):
            if isNew, case .submit(let referral, _) = request {
                activity.submitted += 1
                router.counters.countSubmit()
                logger.debug("referral submitted", metadata: [
                    "referral.id": "\(id)", "agency.from": "\(referral.routing.from)", "agency.to": "\(referral.routing.to)",
                ])
                deliverNow(referral, sequence: sequence, socket: socket, now: now)
            }
            return .submitted(id, state)
        case .transitioned(let transition, let id, let state, let notices):
            // Confirmed, answered or withdrawn: no delivery of it is repeated, to any connection.
            for destination in Array(links.keys) { links[destination]?.deliveries[id] = nil }
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
        case .resendRequestsForgotten:
            if case .forgetResendRequests(let ids, let agency) = request { links[agency]?.resendsAsked.subtract(ids) }
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
        case .transition(let transition, let id, _, _, _): (Command.transition(transition).rawValue, id.rawValue)
        case .acknowledgeStatus: (Command.statusAck.rawValue, "")
        case .forgetResendRequests: ("", "")
        case .report(let report): (Command.report.rawValue, report.day.description)
        }
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
