import CoreMetrics
import Dispatch
import Foundation
import Hummingbird
import Logging
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// `[metrics]` in router.toml: where the router serves `/metrics`, `/healthz` and `/agencies`.
public struct MetricsConfig: Sendable, Equatable {
    public static let defaultListen = "127.0.0.1:9570"

    /// Host and port; nil when `listen = "off"`.
    public let host: String?
    public let port: Int

    public init(host: String?, port: Int) {
        self.host = host
        self.port = port
    }

    public static let standard = try! MetricsConfig.parse(defaultListen)

    /// "127.0.0.1:9570", "[::1]:9570", "0.0.0.0:9570", or "off".
    public static func parse(_ listen: String) throws -> MetricsConfig {
        let text = listen.trimmingCharacters(in: .whitespaces)
        if text == "off" { return MetricsConfig(host: nil, port: 0) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ConfigError("[metrics] listen = \"\(listen)\" is not HOST:PORT (like \(defaultListen)), nor \"off\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigError("[metrics] listen = \"\(listen)\" has no host: write 127.0.0.1:\(port)") }
        return MetricsConfig(host: host, port: port)
    }

    struct File: Decodable {
        struct Metrics: Decodable { var listen: String? }
        var metrics: Metrics?
    }

    /// The `[metrics]` table of router.toml; the default address when the table or the key is absent.
    public static func load(path: String) throws -> MetricsConfig {
        let file = try ConfigFile.load(File.self, from: path)
        do {
            return try parse(file.metrics?.listen ?? defaultListen)
        } catch let error as ConfigError {
            throw ConfigError("\(path): \(error.message)")
        }
    }
}

/// The router's small HTTP server for operators and the coordinators' console, on NIO's own
/// threads (never the router's loop): `/metrics` (Prometheus text format), `/healthz` and
/// `/agencies` (JSON). Reads of the store run on a dispatch queue of their own, not the
/// cooperative pool.
public struct MetricsServer: Sendable {
    let router: Router
    let config: MetricsConfig
    let logger: Logger
    private let reads = DispatchQueue(label: "tsunagi.metrics.store-reads")

    public init(router: Router, config: MetricsConfig, logger: Logger) {
        self.router = router
        self.config = config
        self.logger = logger
    }

    /// The loop has not turned for this long: `/healthz` answers 503.
    static let stalledAfter = Duration.seconds(5)

    /// Serves until the task is cancelled. A port that cannot be bound is logged, and the router
    /// goes on routing without metrics (the operator's "target down" alert says so).
    public func run() async {
        guard let host = config.host else { return }
        let routes = Hummingbird.Router()
        let server = self
        routes.get("/metrics") { _, _ -> Response in
            let body = try await server.scrape()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        routes.get("/healthz") { _, _ -> Response in
            let (healthy, sentence) = server.health()
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: sentence + "\n")))
        }
        routes.get("/agencies") { _, _ -> Response in
            let body = try await server.agenciesJSON()
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        let logger = self.logger
        let app = Application(
            router: routes, configuration: .init(address: .hostname(host, port: config.port), serverName: nil),
            onServerRunning: { channel in
                logger.info("metrics serving", metadata: ["metrics.address": "\(channel.localAddress.map { "\($0)" } ?? "")"])
            },
            logger: logger)
        do {
            try await app.run()
        } catch is CancellationError {
        } catch {
            logger.error("metrics server stopped: /metrics, /healthz and /agencies are not served; routing goes on",
                         metadata: ["metrics.listen": "\(host):\(config.port)", "error": "\(error)"])
        }
    }

    func health() -> (Bool, String) {
        guard let since = router.counters.sinceLastTurn else { return (false, "starting") }
        guard since < Self.stalledAfter else {
            return (false, "the router's loop has not turned for \(since.components.seconds) s")
        }
        return (true, "ok")
    }

    /// Counts that are read from the store when scraped, then the whole registry.
    func scrape() async throws -> [UInt8] {
        let facts = try await storeFacts()
        let counters = router.counters
        let agencies = router.registry.withLock { $0.sorted }
        let connections = counters.connections
        for agency in agencies {
            let dimensions = [("destination", agency.id.rawValue)]
            CoreMetrics.Gauge(label: "tsunagi_unacknowledged", dimensions: dimensions, factory: counters.factory)
                .record(facts.open[agency.id]?.unacknowledged ?? 0)
            CoreMetrics.Gauge(label: "tsunagi_overdue", dimensions: dimensions, factory: counters.factory)
                .record(facts.open[agency.id]?.overdue ?? 0)
            if agency.publicKey != nil {
                CoreMetrics.Gauge(label: "tsunagi_agency_connected", dimensions: [("agency", agency.id.rawValue)], factory: counters.factory)
                    .record(connections[agency.id]?.connected == true ? 1 : 0)
            }
        }
        CoreMetrics.Gauge(label: "tsunagi_store_bytes", factory: counters.factory).record(facts.storeBytes)
        return counters.registry.emitToBuffer()
    }

    struct StoreFacts: Sendable {
        var open: [AgencyID: (unacknowledged: Int, overdue: Int)] = [:]
        var storeBytes = 0
    }

    /// Open referrals per destination (the covering index of open rows: milliseconds even with a
    /// million closed ones) and the store's size on disk with its WAL.
    func storeFacts() async throws -> StoreFacts {
        let store = router.store
        return try await withCheckedThrowingContinuation { continuation in
            reads.async {
                do {
                    var facts = StoreFacts()
                    let today = CivilDate.today()
                    for referral in try StoreReader(store: store).openReferrals(agency: nil) {
                        let overdue = today > referral.dueDay ? 1 : 0
                        let known = facts.open[referral.to] ?? (0, 0)
                        facts.open[referral.to] = (known.unacknowledged + 1, known.overdue + overdue)
                    }
                    for suffix in ["", "-wal"] {
                        let attributes = try? FileManager.default.attributesOfItem(atPath: store.path + suffix)
                        facts.storeBytes += (attributes?[.size] as? NSNumber)?.intValue ?? 0
                    }
                    continuation.resume(returning: facts)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// `/agencies`: every registered agency, connected or not, for the console's 接続状況 page.
    func agenciesJSON() async throws -> [UInt8] {
        let facts = try await storeFacts()
        let connections = router.counters.connections
        let agencies = router.registry.withLock { $0.sorted }
        let entries = agencies.map { agency in
            let connection = connections[agency.id]
            return AgencyStatus(
                agency: agency.id.rawValue, name: agency.name, kind: agency.kind, region: agency.region,
                runsWorker: agency.publicKey != nil, connected: connection?.connected == true,
                connectedSince: connection.flatMap { $0.connected ? Self.japanTime($0.since) : nil },
                lastSeen: connection.map { Self.japanTime($0.lastSeen) },
                neverConnected: connection == nil,
                unacknowledged: facts.open[agency.id]?.unacknowledged ?? 0, overdue: facts.open[agency.id]?.overdue ?? 0)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(AgencyStatusList(routerStartedAt: Self.japanTime(router.counters.startedAt), agencies: entries)))
    }

    static func japanTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: .japan))
    }
}

/// One agency on `/agencies`.
public struct AgencyStatus: Sendable, Codable, Hashable {
    public let agency: String
    public let name: String
    public let kind: String
    public let region: String
    /// Registered with a public key: it can connect. One without is a destination only.
    public let runsWorker: Bool
    public let connected: Bool
    /// When the current connection began (ISO 8601, Japan time); nil while not connected.
    public let connectedSince: String?
    /// The last message heard from it since the router started; nil when never.
    public let lastSeen: String?
    /// Not heard from at all since the router started.
    public let neverConnected: Bool
    /// Referrals addressed to it that it has not accepted or declined, and how many are overdue.
    public let unacknowledged: Int
    public let overdue: Int

    enum CodingKeys: String, CodingKey {
        case agency, name, kind, region, connected, unacknowledged, overdue
        case runsWorker = "runs_worker"
        case connectedSince = "connected_since"
        case lastSeen = "last_seen"
        case neverConnected = "never_connected"
    }
}

public struct AgencyStatusList: Sendable, Codable {
    /// "Never connected" means: not since this moment.
    public let routerStartedAt: String
    public let agencies: [AgencyStatus]

    enum CodingKeys: String, CodingKey {
        case agencies
        case routerStartedAt = "router_started_at"
    }
}
