import Foundation
import Logging
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// The router's event loop state; lives on the router's thread only.
struct RouterLoop {
    let router: Router
    var links: [AgencyID: AgencyLink] = [:]
    /// Peer addresses of accepted connections, by socket, until they disconnect.
    var peerAddresses: [UInt32: String] = [:]
    /// The handshake failure the next disconnection belongs to.
    var failedHandshake: SocketEvent?
    /// The registry version the links were last checked against.
    var registryVersion = 0
    /// What time it is: the continuous clock, or a test's own.
    let clock: @Sendable () -> ContinuousClock.Instant
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
    /// Refusal lines, a few in full per agency and code each minute, then a count.
    var refusalLog: RefusalLog
    var logger: Logger { router.logger }
    /// Due days of today's arrivals, by the destination's answer window.
    var arrivalDueDays = ArrivalDueDays()

    init(router: Router, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.router = router
        self.clock = clock
        let now = clock()
        nextHousekeeping = now
        nextBacklogScan = now
        nextWatchdog = now
        nextActivityLog = now.advanced(by: .seconds(60))
        refusalLog = RefusalLog(now: now)
    }

    /// The batch being gathered while the previous one commits.
    var openBatch: [Waiting] = []
    /// The batch whose transaction is on the store's writer thread, if any.
    var committing: [Waiting]?
    /// Where the writer thread leaves a finished commit's results for this thread.
    let commitResults = CommitMailbox()
    /// When the open batch goes to an idle writer.
    var gathering = Gathering()

    /// Runs the loop until the router is asked to stop (or stops itself after a store failure):
    /// each turn takes in what arrived, hands a batch to the store, answers a finished one, and
    /// every 200 ms does the housekeeping.
    mutating func serve(_ socket: borrowing Socket, monitor: borrowing SocketMonitor) {
        var poller = Poller()
        poller.register(socket, for: .readable)
        poller.register(fileDescriptor: commitResults.wakeSignal.fileDescriptor, for: .readable)
        while !router.stopRequested {
            do {
                _ = try poller.poll(timeoutMilliseconds: pollTimeoutMilliseconds())
                commitResults.wakeSignal.clear()
                if router.registryVersion != registryVersion { dropRevokedLinks() }
                if let results = commitResults.take() { finishCommit(results, socket: socket) }
                // A full batch waiting on a commit leaves further messages queued in libzmq.
                if openBatch.count < router.config.maxBatch { try takeIn(socket) }
                let now = clock()
                startCommitIfIdle(now: now)
                if now >= nextHousekeeping {
                    readConnectionEvents(monitor)
                    housekeeping(socket, now: now)
                    nextHousekeeping = now.advanced(by: .milliseconds(200))
                }
            } catch let error as ZMQError where error.isShutdown {
                break
            } catch {
                logger.error("router loop error", metadata: ["error": "\(error)"])
            }
        }
        readConnectionEvents(monitor)
        // Graceful stop: finish the commit under way and the batch gathered, answer them, close.
        while committing != nil || !openBatch.isEmpty {
            if let failure = router.failure {
                refuseUnwritten(openBatch, because: failure, socket: socket)
                openBatch = []
                if committing == nil { break }
            }
            startCommitIfIdle(now: clock(), force: true)
            guard let results = commitResults.wait(timeout: .seconds(30)) else {
                logger.error("the store did not finish its last commit in time")
                break
            }
            finishCommit(results, socket: socket)
        }
    }

    /// Up to 100 ms, less while an idle writer waits for the open batch to fill.
    func pollTimeoutMilliseconds() -> Int {
        guard committing == nil, !openBatch.isEmpty, router.failure == nil, let deadline = gathering.deadline else { return 100 }
        let left = (deadline - clock()) / .milliseconds(1)
        return min(100, max(0, Int(left.rounded(.up))))
    }

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
        for summary in refusalLog.endWindow(now: now) {
            logger.notice("requests refused in the last minute, beyond the lines logged", metadata: [
                "agency": "\(summary.key.subject)", "error": "\(summary.key.reason)",
                "requests.refused": "\(summary.refused)", "lines.suppressed": "\(summary.suppressed)",
            ])
        }
        router.logHandshakeSummaries(now: now)
        if now >= nextBacklogScan {
            nextBacklogScan = now.advanced(by: .seconds(1))
            // Another process (reconcile) may have asked for a redelivery or a status resend of an
            // old referral: the store's backlog is read again (redeliveries whatever the cursor,
            // status updates from the start).
            for (agency, link) in links where !link.backlog {
                if (try? router.store.hasBacklog(for: agency)) == true {
                    links[agency]!.backlog = true
                    links[agency]!.noticeCursor = 0
                }
            }
        }
        for agency in Array(links.keys) {
            redeliverOverdue(agency, socket: socket, now: now)
            if links[agency]?.backlog == true { refill(agency, socket: socket, now: now) }
        }
    }
}
