import Foundation
import Synchronization
import TsunagiClient
import TsunagiCore
import TsunagiStore
import TsunagiRuntime
import ZeroMQ

/// End-to-end hand-offs at a fixed rate: a sending agency submits, the router stores and
/// delivers, and the destination — the real protocol client with the real agency ledger — stores
/// it durably. The latency is from the submit leaving the sender to the destination's ledger
/// commit returning (one clock, one process).
enum HandoffLoad {
    static let sender = AgencyID("peer-support.kochi")
    static let destination = AgencyID("welfare-office.hata")

    static func measure(_ options: BenchOptions, network: NetworkInit.Result, router: RouterProcess) throws -> BenchReport.Handoff {
        let serverKey = try CurveCertificate.load(path: "\(network.directory)/keys/router.pub").publicKey
        let ledger = try AgencyLedger(path: "\(network.directory)/data/bench-destination/ledger.sqlite", backgroundCheckpoints: true)
        let recorder = DeliveryRecorder(ledger: ledger)
        let client = RouterClient(
            settings: .init(endpoint: network.endpoint, serverKey: serverKey,
                            keyPair: try KeyFiles.loadKeyPair("\(network.directory)/keys/\(destination).key"), software: "bench"),
            delegate: recorder)
        client.start()
        defer { client.stop() }
        guard recorder.waitUntilConnected(limit: .seconds(30)) else { throw BenchError("the destination did not connect") }

        let context = try Context()
        defer { context.terminate() }
        let socket = try Socket(context, type: .dealer)
        try socket.makeCurveClient(serverKey: serverKey, keyPair: try KeyFiles.loadKeyPair("\(network.directory)/keys/\(sender).key"))
        try socket.connect(network.endpoint)
        try socket.send(WorkerMessage.hello(software: "bench").frames())
        _ = try socket.receive(timeoutMilliseconds: 10_000)

        let total = options.handoffRate * options.handoffSeconds
        let sealing = try BenchSealing(network: network)
        let frames = try (0..<total).map { number in
            WorkerMessage.submit(try sealing.seal(BenchReferrals.make(number: number, sender: sender, destination: destination, run: 77))).frames()
        }
        let ids = (0..<total).map { BenchReferrals.make(number: $0, sender: sender, destination: destination, run: 77).id }
        let interval = Duration.seconds(1) / options.handoffRate
        let probe = FsyncProbe(directory: "\(network.directory)/data")
        probe.start()
        let cpuBefore = ProcessStats.read(pid: router.pid)?.cpuSeconds ?? 0
        let started = ContinuousClock.now
        for index in 0..<total {
            let due = started.advanced(by: interval * index)
            while ContinuousClock.now < due {
                // Drain acknowledgements while waiting for the next send time.
                _ = try socket.receive(flags: .dontWait)
                let remaining = due - ContinuousClock.now
                if remaining > .microseconds(200) { Thread.sleep(forTimeInterval: 0.0001) }
            }
            recorder.noteSent(ids[index], at: .now)
            try socket.send(frames[index])
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while recorder.count < total, ContinuousClock.now < deadline {
            _ = try socket.receive(timeoutMilliseconds: 50)
        }
        let elapsed = ContinuousClock.now - started
        let cpu = (ProcessStats.read(pid: router.pid)?.cpuSeconds ?? cpuBefore) - cpuBefore
        let fsync = probe.stop()
        return BenchReport.Handoff(rate: options.handoffRate, referrals: recorder.count, latency: recorder.latencies.summary,
                                   routerCPUPercent: cpu / elapsed.seconds * 100, fsyncLatency: fsync)
    }
}

/// The destination's delegate: stores each delivery in the agency ledger, then times it.
final class DeliveryRecorder: RouterClientDelegate {
    let ledger: AgencyLedger
    private let state = Mutex(State())
    private let connected = DispatchSemaphore(value: 0)

    struct State {
        var sentAt: [ReferralID: ContinuousClock.Instant] = [:]
        var latencies = LatencyRecorder()
        var count = 0
    }

    init(ledger: AgencyLedger) { self.ledger = ledger }

    func noteSent(_ id: ReferralID, at instant: ContinuousClock.Instant) {
        state.withLock { $0.sentAt[id] = instant }
    }

    var count: Int { state.withLock { $0.count } }
    var latencies: LatencyRecorder { state.withLock { $0.latencies } }

    func waitUntilConnected(limit: Duration) -> Bool {
        connected.wait(timeout: .now() + .seconds(Int(limit.components.seconds))) == .success
    }

    func store(deliveries: [Referral]) -> [Bool] {
        guard (try? ledger.recordReceived(deliveries)) != nil else { return deliveries.map { _ in false } }
        let now = ContinuousClock.now
        state.withLock { state in
            for delivery in deliveries {
                if let sent = state.sentAt.removeValue(forKey: delivery.id) {
                    state.latencies.record(now - sent)
                    state.count += 1
                }
            }
        }
        return deliveries.map { _ in true }
    }

    func apply(status: StatusUpdate) -> Bool { true }
    func answered(_ request: OutboundRequest, with reply: RouterMessage) {}
    func connectionTrouble(_ trouble: ConnectionTrouble?) {}
    func resendRequested(_ id: ReferralID) {}
    func connectionChanged(connected: Bool) { if connected { self.connected.signal() } }
}
