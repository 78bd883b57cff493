import CoreMetrics
import Foundation
import Prometheus
import Synchronization
import TsunagiCore

/// The router's metrics: what it answered, committed and delivered, recorded through swift-metrics
/// into a Prometheus registry of this router's own (`/metrics` reads it; a test can run several
/// routers in one process). The name is older than the metrics: the router counts refusals
/// through it as it always did, and tests read those counts back.
public final class ErrorCounters: Sendable {
    /// What `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let counts = Mutex<[ErrorCode: Int]>([:])
    private let refusedHandshakes = Mutex(0)
    private let refusals: [ErrorCode: CoreMetrics.Counter]
    private let submits: CoreMetrics.Counter
    private let handshakeRefusals: CoreMetrics.Counter
    private let redeliveries: CoreMetrics.Counter
    private let commitDuration: CoreMetrics.Timer
    private let fsyncDuration: CoreMetrics.Timer
    private let batchSize: CoreMetrics.Recorder
    private let deliveriesInFlight: CoreMetrics.Gauge
    private let statusUpdatesInFlight: CoreMetrics.Gauge
    private let agenciesConnected: CoreMetrics.Gauge
    private let links = Mutex(LinkState())
    /// When this router started: "never connected" below means "not since then".
    public let startedAt = Date()

    /// One agency's worker connection as the router's loop last saw it.
    public struct Connection: Sendable, Hashable {
        public var connected: Bool
        /// When the current (or last) connection began, as far as the router saw it.
        public var since: Date
        /// The last message heard from the agency.
        public var lastSeen: Date
    }

    struct LinkState {
        var connections: [AgencyID: Connection] = [:]
        /// The loop's last housekeeping: `/healthz` fails when the loop stops turning.
        var lastTurn: ContinuousClock.Instant?
    }

    /// What the loop reports about one link each housekeeping turn.
    struct LinkSnapshot {
        let lastHeard: ContinuousClock.Instant
        let deliveries: Int
        let notices: Int
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A batch's commit and the fsync under it: tenths of a millisecond on a quiet disk, up
        // to seconds when it stalls.
        let durations: [Duration] = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                     .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                     .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                     .seconds(1), .microseconds(2_500_000), .seconds(5)]
        factory.durationHistogramBuckets = ["tsunagi_batch_commit_seconds": durations, "tsunagi_store_fsync_seconds": durations]
        factory.valueHistogramBuckets = ["tsunagi_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536]]
        self.factory = factory
        // Every code from the start, at 0, so that rate() and increase() see the first refusal.
        refusals = Dictionary(uniqueKeysWithValues: ErrorCode.allCases.map { code in
            (code, CoreMetrics.Counter(label: "tsunagi_refusals_total",
                                       dimensions: [("code", "\(code.rawValue)"), ("name", code.name)], factory: factory))
        })
        submits = CoreMetrics.Counter(label: "tsunagi_submits_total", factory: factory)
        handshakeRefusals = CoreMetrics.Counter(label: "tsunagi_handshakes_refused_total", factory: factory)
        redeliveries = CoreMetrics.Counter(label: "tsunagi_redeliveries_total", factory: factory)
        commitDuration = CoreMetrics.Timer(label: "tsunagi_batch_commit_seconds", factory: factory)
        fsyncDuration = CoreMetrics.Timer(label: "tsunagi_store_fsync_seconds", factory: factory)
        batchSize = CoreMetrics.Recorder(label: "tsunagi_batch_size", factory: factory)
        deliveriesInFlight = CoreMetrics.Gauge(label: "tsunagi_deliveries_in_flight", factory: factory)
        statusUpdatesInFlight = CoreMetrics.Gauge(label: "tsunagi_status_updates_in_flight", factory: factory)
        agenciesConnected = CoreMetrics.Gauge(label: "tsunagi_agencies_connected", factory: factory)
        agenciesConnected.record(0)
    }

    // MARK: Recording (the router's loop and store)

    func count(_ code: ErrorCode) {
        counts.withLock { $0[code, default: 0] += 1 }
        refusals[code]?.increment()
    }

    func countRefusedHandshake() {
        refusedHandshakes.withLock { $0 += 1 }
        handshakeRefusals.increment()
    }

    /// A new referral stored (a repeat of one already stored is not counted again).
    func countSubmit() { submits.increment() }

    func countRedeliveries(_ count: Int) {
        if count > 0 { redeliveries.increment(by: count) }
    }

    /// A batch's transaction, from handing it to the store's writer until its results came back.
    func recordCommit(size: Int, since start: ContinuousClock.Instant) {
        batchSize.record(size)
        commitDuration.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - start))
    }

    /// The COMMIT itself: SQLite appending the batch to the WAL and its fsync.
    func recordFsync(_ duration: Duration) {
        fsyncDuration.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// The links as the loop holds them, each housekeeping turn (every 200 ms).
    func observe(links current: [AgencyID: LinkSnapshot], at now: ContinuousClock.Instant) {
        let wallNow = Date()
        links.withLock { state in
            state.lastTurn = now
            for (agency, link) in current {
                let lastSeen = wallNow.addingTimeInterval(-Self.seconds(now - link.lastHeard))
                if var known = state.connections[agency], known.connected {
                    known.lastSeen = lastSeen
                    state.connections[agency] = known
                } else {
                    state.connections[agency] = Connection(connected: true, since: lastSeen, lastSeen: lastSeen)
                }
            }
            for (agency, known) in state.connections where known.connected && current[agency] == nil {
                state.connections[agency]?.connected = false
            }
        }
        deliveriesInFlight.record(current.values.reduce(0) { $0 + $1.deliveries })
        statusUpdatesInFlight.record(current.values.reduce(0) { $0 + $1.notices })
        agenciesConnected.record(current.count)
    }

    // MARK: Reading

    public subscript(code: ErrorCode) -> Int { counts.withLock { $0[code] ?? 0 } }
    public var all: [ErrorCode: Int] { counts.withLock { $0 } }
    public var handshakesRefused: Int { refusedHandshakes.withLock { $0 } }

    /// Every agency the router has heard from since it started.
    public var connections: [AgencyID: Connection] { links.withLock { $0.connections } }

    /// How long ago the loop last turned; nil before its first turn.
    public var sinceLastTurn: Duration? { links.withLock { $0.lastTurn.map { ContinuousClock.now - $0 } } }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }

    static func seconds(_ duration: Duration) -> Double { Double(nanoseconds(duration)) / 1e9 }
}
