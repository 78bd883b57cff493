import Foundation
import Logging
import Synchronization
import Testing
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTestSupport
import ZeroMQ
@testable import TsunagiRouter

/// The router's loop in-process, on a clock the test moves: a real store, a real ROUTER socket
/// (inproc) and a DEALER per agency standing in for its worker.
@Suite("Router loop on a test clock", .serialized, .timeLimit(.minutes(2)))
struct RouterLoopTests {
    @Test("an unconfirmed delivery is repeated after 2 s, then 4 s, 8 s, … and never in between")
    func redeliveryBackOff() throws {
        let fixture = try LoopFixture()
        let destination = try fixture.worker("welfare-office.aki")
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, "welfare-office.aki", at: start)
        try fixture.submit([SampleReferral.make(id: "bo-1", from: "peer-support.kochi", to: "welfare-office.aki")])
        loop.housekeeping(fixture.routerSocket, now: start)
        #expect(try fixture.deliveries(destination) == ["bo-1"])

        // Offsets from the first delivery, in milliseconds, and whether a repeat is due by then.
        let expected: [(Int, Bool)] = [(1_900, false), (2_100, true), (5_900, false), (6_300, true),
                                       (14_200, false), (14_400, true), (30_300, false), (30_500, true)]
        for (offset, repeats) in expected {
            let now = start + .milliseconds(offset)
            fixture.connect(&loop, "welfare-office.aki", at: now)
            loop.housekeeping(fixture.routerSocket, now: now)
            #expect(try fixture.deliveries(destination) == (repeats ? ["bo-1"] : []), "at \(offset) ms")
        }
    }

    @Test("at most 256 deliveries unconfirmed; each confirmation lets the next one go, oldest first")
    func deliveryWindow() throws {
        let fixture = try LoopFixture()
        let destination = try fixture.worker("employment-base.chubu")
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, "employment-base.chubu", at: start)
        let ids = (1...300).map { String(format: "win-%04d", $0) }
        try fixture.submit(ids.map { SampleReferral.make(id: $0, from: "saposute.kochi", to: "employment-base.chubu") })
        loop.housekeeping(fixture.routerSocket, now: start)
        loop.housekeeping(fixture.routerSocket, now: start + .milliseconds(200))
        #expect(try fixture.deliveries(destination) == Array(ids.prefix(256)))

        try fixture.commit(&loop, ids.prefix(10).map {
            .transition(.confirmDelivery, ReferralID(rawValue: $0)!, by: AgencyID("employment-base.chubu"), detail: nil)
        }, from: "employment-base.chubu")
        fixture.connect(&loop, "employment-base.chubu", at: start + .milliseconds(400))
        loop.housekeeping(fixture.routerSocket, now: start + .milliseconds(400))
        #expect(try fixture.deliveries(destination) == Array(ids[256..<266]))
    }

    @Test("referrals sent straight after their commit are not read again from the store: the backlog read starts after them")
    func backlogReadStartsAfterWhatWentStraightOut() throws {
        let fixture = try LoopFixture()
        let destination = try fixture.worker("welfare-office.aki")
        let sender = try fixture.worker("peer-support.kochi")
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, destination, at: start)
        fixture.connect(&loop, sender, at: start)
        loop.housekeeping(fixture.routerSocket, now: start)

        // One commit of 300: the first 256 go out as they commit (store sequences 1 … 256), the
        // rest wait in the store.
        let ids = (1...300).map { String(format: "straight-%03d", $0) }
        try fixture.commit(&loop, ids.map { .submit(SampleReferral.make(id: $0, from: "peer-support.kochi", to: "welfare-office.aki"),
                                                    dueDay: CivilDate("2026-12-10")!) }, from: sender)
        #expect(try fixture.deliveries(destination) == Array(ids.prefix(256)))
        #expect(loop.links[AgencyID("welfare-office.aki")]?.deliveryCursor == 256)

        // Room for ten: the next ten, in one read of the store.
        try fixture.commit(&loop, ids.prefix(10).map {
            .transition(.confirmDelivery, ReferralID(rawValue: $0)!, by: AgencyID("welfare-office.aki"), detail: nil)
        }, from: destination)
        fixture.connect(&loop, destination, at: start + .milliseconds(100))
        loop.housekeeping(fixture.routerSocket, now: start + .milliseconds(100))
        #expect(try fixture.deliveries(destination) == Array(ids[256..<266]))
    }

    @Test("a referral sealed again while its destination's window is full goes first when room opens")
    func sealedAgainBehindAFullWindow() throws {
        let fixture = try LoopFixture()
        let destination = try fixture.worker("employment-base.chubu")
        let sender = try fixture.worker("saposute.kochi")
        let due = CivilDate("2026-12-10")!
        let first = SampleReferral.make(id: "reseal-0", from: "saposute.kochi", to: "employment-base.chubu", personal: "sealed to the old key")
        try fixture.submit([first])
        _ = try fixture.store.apply([.transition(.undeliverable, first.id, by: AgencyID("employment-base.chubu"), detail: "432 sealed-for-another-key")])
        let later = (1...300).map { String(format: "reseal-%03d", $0) }
        try fixture.submit(later.map { SampleReferral.make(id: $0, from: "saposute.kochi", to: "employment-base.chubu") })

        // The destination connects: its backlog is read into a full window, the read cursor past
        // the referral it could not open.
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, destination, at: start)
        fixture.connect(&loop, sender, at: start)
        loop.housekeeping(fixture.routerSocket, now: start)
        #expect(try fixture.deliveries(destination) == Array(later.prefix(256)))

        // Sealed again while the window is full: it waits, and is the oldest that waits.
        var resealed = first
        resealed.personal = Array("sealed to the new key".utf8)
        try fixture.commit(&loop, [.submit(resealed, dueDay: due)], from: sender)
        #expect(try fixture.deliveries(destination).isEmpty)
        try fixture.commit(&loop, later.prefix(3).map {
            .transition(.confirmDelivery, ReferralID(rawValue: $0)!, by: AgencyID("employment-base.chubu"), detail: nil)
        }, from: destination)
        // Room for three: the store's backlog is read, a few rows a round, until the window is full.
        let agency = AgencyID("employment-base.chubu")
        var round = 0
        while (loop.links[agency]?.deliveries.count ?? 0) < WireProtocol.deliveryWindow, round < 500 {
            let now = start + .milliseconds(200 + round)
            fixture.connect(&loop, destination, at: now)
            loop.housekeeping(fixture.routerSocket, now: now)
            round += 1
        }
        #expect(try fixture.deliveries(destination) == ["reseal-0", "reseal-257", "reseal-258"])
    }

    @Test("a withdrawal stops the repeats of its delivery; the destination hears of it once")
    func withdrawStopsRepeats() throws {
        let fixture = try LoopFixture()
        let destination = try fixture.worker("saposute.nankoku")
        let sender = try fixture.worker("peer-support.hata")
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, "saposute.nankoku", at: start)
        fixture.connect(&loop, "peer-support.hata", at: start)
        try fixture.submit([SampleReferral.make(id: "wd-loop", from: "peer-support.hata", to: "saposute.nankoku")])
        loop.housekeeping(fixture.routerSocket, now: start)
        #expect(try fixture.deliveries(destination) == ["wd-loop"])

        try fixture.commit(&loop, [.transition(.withdraw, ReferralID(rawValue: "wd-loop")!, by: AgencyID("peer-support.hata"), detail: "本人の希望")],
                           from: "peer-support.hata")
        #expect(try fixture.received(sender).contains(.done(.withdraw, ReferralID(rawValue: "wd-loop")!, .withdrawn)))
        var repeats = 0
        var withdrawnNotices = 0
        for second in [1, 3, 7, 15, 31, 61, 121] {
            let now = start + .seconds(second)
            fixture.connect(&loop, "saposute.nankoku", at: now)
            fixture.connect(&loop, "peer-support.hata", at: now)
            loop.housekeeping(fixture.routerSocket, now: now)
            for message in try fixture.received(destination) {
                switch message {
                case .deliver: repeats += 1
                case .status(let update) where update.state == .withdrawn:
                    withdrawnNotices += 1
                    try fixture.commit(&loop, [.acknowledgeStatus(sequence: update.sequence, by: AgencyID("saposute.nankoku"))],
                                       from: "saposute.nankoku")
                default: break
                }
            }
        }
        #expect(repeats == 0, "the withdrawn referral was delivered again")
        #expect(withdrawnNotices == 1)
    }

    @Test("a redelivery a reconcile asks for is picked up within a second, behind the read cursor, and ends when confirmed")
    func reconcileRepairPickup() throws {
        let fixture = try LoopFixture()
        let destination = try fixture.worker("welfare-office.susaki")
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, "welfare-office.susaki", at: start)
        let id = ReferralID(rawValue: "rp-1")!
        try fixture.submit([SampleReferral.make(id: "rp-1", from: "municipality.susaki", to: "welfare-office.susaki")])
        loop.housekeeping(fixture.routerSocket, now: start)
        #expect(try fixture.deliveries(destination) == ["rp-1"])
        try fixture.commit(&loop, [.transition(.confirmDelivery, id, by: AgencyID("welfare-office.susaki"), detail: nil)],
                           from: "welfare-office.susaki")
        fixture.connect(&loop, "welfare-office.susaki", at: start + .seconds(3))
        loop.housekeeping(fixture.routerSocket, now: start + .seconds(3))
        #expect(try fixture.deliveries(destination) == [], "a confirmed delivery was repeated")

        // The destination's ledger lacks it: the nightly reconcile (another process) asks again.
        #expect(try fixture.store.requestRedelivery(of: id))
        fixture.connect(&loop, "welfare-office.susaki", at: start + .seconds(4))
        loop.housekeeping(fixture.routerSocket, now: start + .seconds(4))
        #expect(try fixture.deliveries(destination) == ["rp-1"])
        try fixture.commit(&loop, [.transition(.confirmDelivery, id, by: AgencyID("welfare-office.susaki"), detail: nil)],
                           from: "welfare-office.susaki")
        for second in [6, 10, 20] {
            fixture.connect(&loop, "welfare-office.susaki", at: start + .seconds(second))
            loop.housekeeping(fixture.routerSocket, now: start + .seconds(second))
        }
        #expect(try fixture.deliveries(destination) == [], "the repair went on after its confirmation")
    }

    @Test("a resend a reconcile asks for is passed on once, and forgotten by the store with the next batch")
    func resendRequestPassedOnOnce() throws {
        let fixture = try LoopFixture()
        let sender = try fixture.worker("saposute.kochi")
        var loop = fixture.loop()
        let start = fixture.clock.now
        fixture.connect(&loop, "saposute.kochi", at: start)
        loop.housekeeping(fixture.routerSocket, now: start)
        _ = try fixture.received(sender)
        let id = ReferralID(rawValue: "rs-1")!
        try fixture.store.requestResend(of: id, from: AgencyID("saposute.kochi"))
        var resends: [ReferralID] = []
        for millis in [1_100, 1_300, 1_500] {
            fixture.connect(&loop, "saposute.kochi", at: start + .milliseconds(millis))
            loop.housekeeping(fixture.routerSocket, now: start + .milliseconds(millis))
            resends += try fixture.received(sender).compactMap { if case .resend(let id) = $0 { id } else { nil } }
        }
        #expect(resends == [id])
        // The loop only read it; the forgetting waits in the open batch and commits with it.
        #expect(try fixture.store.resendRequests(for: AgencyID("saposute.kochi")) == [id])
        try fixture.commit(&loop, [], from: "saposute.kochi")
        #expect(try fixture.store.resendRequests(for: AgencyID("saposute.kochi")) == [])
    }

    @Test("a refused request's ERROR names the command and the referral (frames 4 and 5), whether the router's checks or the store refused it")
    func refusalsEchoCommandAndReferral() throws {
        let fixture = try LoopFixture()
        let worker = try fixture.worker("saposute.kochi")
        let agency = AgencyID("saposute.kochi")
        var loop = fixture.loop()
        fixture.connect(&loop, worker, at: fixture.clock.now)

        // The router's own check: a referral that says it is from another agency.
        let spoofed = SampleReferral.make(id: "echo-spoofed", from: "peer-support.hata", to: "welfare-office.aki")
        guard case .answer(let reply) = loop.admit(.submit(spoofed), from: agency) else {
            Issue.record("a spoofed submit went on to the store")
            return
        }
        loop.answer(reply, to: Array(worker.utf8), agency: agency, socket: fixture.routerSocket)
        // The store: an answer about a referral it does not hold.
        try fixture.commit(&loop, [.transition(.accept, ReferralID(rawValue: "echo-unknown")!, by: agency, detail: nil)], from: worker)

        let errors = try fixture.frames(worker).filter { $0.count > 1 && $0[1] == Array("ERROR".utf8) }
        #expect(errors.allSatisfy { $0.count == 7 && $0[0] == WireProtocol.signature })
        let named = errors.map { frames in frames[2...5].map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ") }
        #expect(named == ["410 spoofed-sender SUBMIT echo-spoofed", "411 not-found ACCEPT echo-unknown"])
    }
}

extension RouterLoopTests {
    @Test("an idle writer waits for as many requests as the last commit answered, at most 2 ms; a lone request goes at once")
    func batchesGatherTheRoundThatComesBack() throws {
        let fixture = try LoopFixture()
        let sender = try fixture.worker("peer-support.kochi")
        var loop = fixture.loop()
        let start = fixture.clock.now
        var made = 0
        func submits(_ count: Int) -> [StoreRequest] {
            (0..<count).map { _ in
                made += 1
                return .submit(SampleReferral.make(id: "gather-\(made)", from: "peer-support.kochi", to: "saposute.kochi"),
                               dueDay: CivilDate("2026-12-10")!)
            }
        }

        // Nothing answered yet: the first request goes to the writer at once.
        fixture.gather(&loop, submits(1), from: sender)
        loop.startCommitIfIdle(now: start)
        #expect(loop.committing?.count == 1)
        try fixture.finishCommit(&loop)

        // Three answered: one request waits for the other two, just short of the window …
        try fixture.commit(&loop, submits(3), from: sender)
        fixture.gather(&loop, submits(1), from: sender)
        loop.startCommitIfIdle(now: start)
        loop.startCommitIfIdle(now: start + .microseconds(1_900))
        #expect(loop.committing == nil)
        fixture.gather(&loop, submits(2), from: sender)
        loop.startCommitIfIdle(now: start + .microseconds(1_900))
        #expect(loop.committing?.count == 3)
        try fixture.finishCommit(&loop)

        // … or goes alone when the window has passed.
        let later = start + .seconds(1)
        fixture.gather(&loop, submits(1), from: sender)
        loop.startCommitIfIdle(now: later)
        #expect(loop.committing == nil)
        loop.startCommitIfIdle(now: later + Gathering.window)
        #expect(loop.committing?.count == 1)
        try fixture.finishCommit(&loop)

        // One answered: low load again, and the next lone request goes at once.
        fixture.gather(&loop, submits(1), from: sender)
        loop.startCommitIfIdle(now: later + .seconds(1))
        #expect(loop.committing?.count == 1)
        try fixture.finishCommit(&loop)

        let answered = try fixture.received(sender).filter { if case .submitted = $0 { true } else { false } }
        #expect(answered.count == made)
    }
}

/// A clock a test moves by hand.
final class ManualClock: Sendable {
    private let current = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { current.withLock { $0 } }
}

/// A router (not started) on a fresh network, its ROUTER socket bound on inproc, and DEALERs
/// with known routing ids for the agencies' workers.
final class LoopFixture {
    // Sockets first: stored properties go in declaration order, and the context's end waits for
    // every socket of it to be closed.
    let routerSocket: Socket
    private var workers: [String: Worker] = [:]
    let context: Context
    let harness: RouterHarness
    let router: Router
    let clock = ManualClock()
    let endpoint = "inproc://router-loop-\(UUID().uuidString)"
    var store: RouterStore { router.store }

    init() throws {
        harness = try RouterHarness()
        router = try Router(config: try RouterConfig.load(path: harness.network.routerConfigPath),
                            logger: Logger(label: "test.router-loop"))
        context = try Context()
        routerSocket = try Socket(context, type: .router, linger: 0)
        try routerSocket.set(.routerMandatory, true)
        try routerSocket.bind(endpoint)
    }

    deinit {
        try? router.store.close()
    }

    final class Worker {
        let socket: Socket
        init(_ socket: consuming Socket) { self.socket = socket }
    }

    func loop() -> RouterLoop {
        let clock = self.clock
        return RouterLoop(router: router, clock: { clock.now })
    }

    /// A worker's socket, known to the ROUTER once its first message has arrived; returns the
    /// agency's id, by which the test reads what reached it.
    func worker(_ agency: String) throws -> String {
        let socket = try Socket(context, type: .dealer, linger: 0)
        try socket.set(.routingID, Array(agency.utf8))
        try socket.connect(endpoint)
        try socket.send([Array("hello".utf8)])
        guard try routerSocket.receive(timeoutMilliseconds: 5_000) != nil else { throw HarnessError("no message from \(agency)") }
        workers[agency] = Worker(socket)
        return agency
    }

    /// What the loop learns from any message of the agency's worker: it is connected, and when.
    func connect(_ loop: inout RouterLoop, _ agency: String, at now: ContinuousClock.Instant) {
        let id = AgencyID(rawValue: agency)!
        let key = router.registry.withLock { $0.agencies[id]?.publicKey?.z85 } ?? ""
        loop.noteHeard(id, routingID: Array(agency.utf8), key: key, at: now)
    }

    func submit(_ referrals: [Referral]) throws {
        let results = try store.apply(referrals.map { .submit($0, dueDay: CivilDate("2026-12-10")!) })
        for result in results { guard case .submitted = result else { throw HarnessError("not stored: \(result)") } }
    }

    /// Runs requests through the loop's own batch path: gathered, committed, answered.
    func commit(_ loop: inout RouterLoop, _ requests: [StoreRequest], from agency: String) throws {
        gather(&loop, requests, from: agency)
        loop.startCommitIfIdle(now: clock.now, force: true)
        try finishCommit(&loop)
    }

    /// Puts requests into the loop's open batch, as if they had just arrived from the agency.
    func gather(_ loop: inout RouterLoop, _ requests: [StoreRequest], from agency: String) {
        for request in requests {
            let (command, referral) = RouterLoop.describe(request)
            loop.openBatch.append(.init(routingID: Array(agency.utf8), agency: AgencyID(rawValue: agency)!,
                                        request: request, command: command, referral: referral))
        }
    }

    /// Waits for the commit under way and answers it.
    func finishCommit(_ loop: inout RouterLoop) throws {
        guard loop.committing != nil else { throw HarnessError("no commit is under way") }
        guard let results = loop.commitResults.wait(timeout: .seconds(10)) else { throw HarnessError("the commit did not finish") }
        loop.finishCommit(results, socket: routerSocket)
    }

    /// Every message waiting on a worker's socket.
    func received(_ agency: String) throws -> [RouterMessage] {
        guard let worker = workers[agency] else { throw HarnessError("no worker for \(agency)") }
        var messages: [RouterMessage] = []
        while let message = try worker.socket.receive(timeoutMilliseconds: 50) {
            messages.append(try RouterMessage.decode(message.frames))
        }
        return messages
    }

    /// Every message waiting on a worker's socket, as frames, undecoded.
    func frames(_ agency: String) throws -> [[[UInt8]]] {
        guard let worker = workers[agency] else { throw HarnessError("no worker for \(agency)") }
        var messages: [[[UInt8]]] = []
        while let message = try worker.socket.receive(timeoutMilliseconds: 50) { messages.append(message.frames) }
        return messages
    }

    /// The referral ids of the DELIVERs waiting on a worker's socket, in order.
    func deliveries(_ agency: String) throws -> [String] {
        try received(agency).compactMap { if case .deliver(let referral) = $0 { referral.id.rawValue } else { nil } }
    }
}
