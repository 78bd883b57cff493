import Foundation
import Synchronization
import TsunagiCore
import TsunagiRuntime
import ZeroMQ

/// `tsunagi bench`: a router process and simulated agencies on loopback, CURVE on, measured
/// against product.md §8.
public struct BenchOptions: Sendable {
    public var submits = 100_000
    public var inFlight = 64
    public var senders = 4
    public var handoffRate = 500
    public var handoffSeconds = 10
    /// Referrals to put in the store for the large-store measurements; 0 skips them.
    public var fill = 0
    public var directory: String?
    public var executableDirectory: String

    public init(executableDirectory: String) {
        self.executableDirectory = executableDirectory
    }
}

public struct BenchReport: Sendable, Codable {
    public struct Throughput: Sendable, Codable {
        public let referrals: Int
        public let inFlight: Int
        public let refused: Int
        public let seconds: Double
        public let perSecond: Double
        public let ackLatency: LatencySummary
        public let routerCPUPercent: Double
        /// Router CPU (user + system, all its threads, from /proc) divided by the referrals acknowledged.
        public let routerCPUMicrosecondsPerSubmit: Double
        public let routerPeakMemoryMB: Double
        /// The whole machine's CPU during the run, every core together: busy, and taken by the
        /// host for other guests (steal). Nil where /proc/stat cannot be read.
        public let machineBusyPercent: Double?
        public let hostStealPercent: Double?
    }

    public struct Handoff: Sendable, Codable {
        public let rate: Int
        public let referrals: Int
        public let latency: LatencySummary
        public let routerCPUPercent: Double
        /// A 4 KiB write + fdatasync beside the store, 50 a second during the run: the disk's part of the tail.
        public let fsyncLatency: LatencySummary
    }

    public struct LargeStore: Sendable, Codable {
        public let referrals: Int
        public let fillSeconds: Double
        public let pendingViewMilliseconds: Double
        public let restartToReadyMilliseconds: Double
        public let dayReconcileMilliseconds: Double
        public let fiscalYearReportMilliseconds: Double
        public let routerMemoryMB: Double
    }

    public var machine: String
    public var durableSubmits: Throughput?
    public var handoff: Handoff?
    public var largeStore: LargeStore?
}

public enum BenchRunner {
    public static func run(_ options: BenchOptions, progress: @escaping @Sendable (String) -> Void) throws -> BenchReport {
        let directory = options.directory ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("tsunagi-bench-\(UUID().uuidString.prefix(8))")
        let network = try NetworkInit.create(in: directory)
        var report = BenchReport(machine: machineDescription())
        let router = try RouterProcess(executable: "\(options.executableDirectory)/tsunagi-router", network: network)
        defer { router.stop() }
        _ = try router.waitUntilReady()

        // Hand-offs first: after the throughput run the store's checkpointer is still writing a
        // hundred thousand referrals into the file, and its fsyncs would be measured here too.
        if options.handoffSeconds > 0 {
            progress("end-to-end hand-offs: \(options.handoffRate)/s for \(options.handoffSeconds) s")
            report.handoff = try HandoffLoad.measure(options, network: network, router: router)
        }
        progress("durable submits: \(options.submits) referrals, \(options.inFlight) in flight from \(options.senders) agencies")
        report.durableSubmits = try measureSubmits(options, network: network, router: router)
        if options.fill > 0 {
            router.stop()
            // A network of its own, so that its open referrals are the fill's and not the
            // throughput run's hundred thousand, which nobody ever answered.
            let large = try NetworkInit.create(in: (directory as NSString).appendingPathComponent("large-store"))
            progress("large store: filling \(options.fill) referrals through the store's write path")
            report.largeStore = try LargeStoreBench.measure(
                options, network: large, routerExecutable: "\(options.executableDirectory)/tsunagi-router", progress: progress)
        }
        return report
    }

    static func measureSubmits(_ options: BenchOptions, network: NetworkInit.Result, router: RouterProcess) throws -> BenchReport.Throughput {
        let senders = Array(SeedAgencies.withWorkers.prefix(options.senders))
        // The hand-off run's destination gets nothing here, so it starts with no backlog.
        let destinations = SeedAgencies.all.map(\.id).filter { $0 != HandoffLoad.destination }
        let serverKey = try CurveCertificate.load(path: "\(network.directory)/keys/router.pub").publicKey
        let perSender = options.submits / senders.count
        let sealing = try BenchSealing(network: network)
        var loads: [SubmitLoad] = []
        for (index, sender) in senders.enumerated() {
            let keyPair = try KeyFiles.loadKeyPair("\(network.directory)/keys/\(sender.id).key")
            var frames: [[[UInt8]]] = []
            var ids: [ReferralID] = []
            let others = destinations.filter { $0 != sender.id }
            for number in 0..<perSender {
                let referral = try sealing.seal(
                    BenchReferrals.make(number: number, sender: sender.id, destination: others[number % others.count], run: index))
                ids.append(referral.id)
                frames.append(WorkerMessage.submit(referral).frames())
            }
            loads.append(SubmitLoad(endpoint: network.endpoint, serverKey: serverKey, keyPair: keyPair, frames: frames, ids: ids,
                                    inFlight: max(1, options.inFlight / senders.count)))
        }
        let context = try Context()
        defer { context.terminate() }
        let gate = DispatchSemaphore(value: 0)
        let results = Mutex<[Result<SubmitLoad.Result, any Error>]>([])
        let done = DispatchSemaphore(value: 0)
        for load in loads {
            Thread {
                let outcome = Result { try load.run(context: context, startGate: gate, limit: .seconds(300)) }
                results.withLock { $0.append(outcome) }
                done.signal()
            }.start()
        }
        Thread.sleep(forTimeInterval: 0.5)
        let cpuBefore = ProcessStats.read(pid: router.pid)?.cpuSeconds ?? 0
        let machineBefore = MachineCPUTimes.read()
        let started = ContinuousClock.now
        for _ in loads { gate.signal() }
        for _ in loads { done.wait() }
        let elapsed = ContinuousClock.now - started
        let stats = ProcessStats.read(pid: router.pid)
        let machine = machineBefore.flatMap { before in MachineCPUTimes.read().map { $0.since(before) } }
        var latencies = LatencyRecorder()
        var acknowledged = 0
        var refused = 0
        for outcome in results.withLock({ $0 }) {
            let result = try outcome.get()
            latencies.merge(result.latencies)
            acknowledged += result.acknowledged
            refused += result.refused
        }
        let seconds = elapsed.seconds
        let routerCPU = (stats?.cpuSeconds ?? cpuBefore) - cpuBefore
        return BenchReport.Throughput(
            referrals: acknowledged, inFlight: options.inFlight, refused: refused, seconds: seconds, perSecond: Double(acknowledged) / seconds,
            ackLatency: latencies.summary,
            routerCPUPercent: routerCPU / seconds * 100,
            routerCPUMicrosecondsPerSubmit: acknowledged > 0 ? routerCPU / Double(acknowledged) * 1_000_000 : 0,
            routerPeakMemoryMB: Double(stats?.peakResidentBytes ?? 0) / 1_048_576,
            machineBusyPercent: machine?.busyPercent, hostStealPercent: machine?.stealPercent)
    }

    static func machineDescription() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Referrals for load: valid, small, with a personal part of realistic size.
enum BenchReferrals {
    static let personal = Array(#"{"name":"高知 花子","contact":"088-000-0000","case_number":"PS-2026-0001","note":"面談で就労体験を希望。午前中の連絡を希望。"}"#.utf8)

    static func make(number: Int, sender: AgencyID, destination: AgencyID, run: Int, createdAt: String = "2026-11-26T09:30:00+09:00") -> Referral {
        let routing = Routing(
            id: ReferralID(rawValue: "bench-\(run)-\(sender.rawValue)-\(number)")!, from: sender, to: destination,
            createdAt: createdAt, needs: [.employment, .placeToBelong], ageBand: .thirties, sex: .unknown,
            municipality: "高知市",
            consent: Consent(basis: .person, obtainedOn: CivilDate(year: 2026, month: 11, day: 20)!, recordedBy: "相談員A"))
        return Referral(routing: routing, personal: personal)
    }
}
