import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTools
import TsunagiWeb

/// `tsunagi console bench`: the console's pages timed over HTTP on loopback against a large store
/// (filled by the large-store bench's own code: a fiscal year of referrals, one in 500 left open).
public enum ConsoleBench {
    public struct PageTiming: Sendable, Codable {
        public let page: String
        public let requests: Int
        /// The very first request, not counted in the percentiles (cold caches: SQLite's pages, the
        /// templates, the 実績 page's per-day counts).
        public let firstMilliseconds: Double
        public let p50Milliseconds: Double
        public let p95Milliseconds: Double
        public let maxMilliseconds: Double
        public let bytes: Int
    }

    public struct Report: Sendable, Codable {
        public let referrals: Int
        public let openReferrals: Int
        public let pages: [PageTiming]
    }

    /// Fills `directory`/router.sqlite with `fill` referrals unless a store is already there, then
    /// serves the console in this process and asks each page `requests` times, one at a time.
    public static func run(directory: String, fill: Int, requests: Int,
                           progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let storePath = (directory as NSString).appendingPathComponent("router.sqlite")
        if !FileManager.default.fileExists(atPath: storePath) {
            progress("filling \(fill) referrals into \(storePath)")
            try LargeStoreBench.fill(storePath: storePath, count: fill, progress: progress)
        } else {
            // A store from an earlier version: opening it for writing migrates it, as the router's start would.
            try RouterStore(path: storePath).close()
        }
        let reader = try StoreReader(path: storePath)
        let referrals = try reader.countsByState().values.reduce(0, +)
        let open = try reader.openReferrals()
        // Three nights of reconcile results for the 突合 page.
        for offset in [100, 101, 102] {
            let day = LargeStoreBench.fiscalYear.first.adding(days: offset)
            try ReconcileRecords.write(try Reconciler.run(day: day, reader: reader), storePath: storePath)
        }

        let users = (directory as NSString).appendingPathComponent("console-users")
        let password = "bench-password"
        let file = UserFile(path: users, cost: 4)
        if !(try file.names().contains("bench")) { try file.add(name: "bench", password: password) }
        let registry = (directory as NSString).appendingPathComponent("agencies.toml")
        try seedRegistry(workers: Set(SeedAgencies.all.map(\.id))).write(toFile: registry, atomically: true, encoding: .utf8)
        let data = try ConsoleData(storePath: storePath, directory: AgencyDirectory.load(path: registry))
        var config = ConsoleConfig(storePath: storePath, registryPath: "", usersPath: users)
        config.routerStatusURL = "http://127.0.0.1:1"
        let console = try ConsoleApplication(config: config, data: data, logger: Logger(label: "bench"))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var quiet = Logger(label: "tsunagi.console.bench")
        quiet.logLevel = .error
        let app = console.buildApplication(host: "127.0.0.1", port: 0, logger: quiet) { port in portContinuation.yield(port) }
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ConsoleBenchError("the console did not start") }
        let base = "http://127.0.0.1:\(port)"

        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        try await logIn(session: session, base: base, user: "bench", password: password)

        let someID = open.first?.id.rawValue ?? ""
        let month = "R7.6"
        let monthPeriod = try ReportPeriod.parse(month)
        // Changes the router could make meanwhile: the month's open referrals accepted, then completed,
        // one before each request of the "after a change" line (untimed; the store written as the router would).
        let monthOpen = open.filter { monthPeriod.contains($0.createdDay) }
        let changes: [StoreRequest] = monthOpen.map { .transition(.accept, $0.id, by: $0.to, detail: nil) }
            + monthOpen.map { .transition(.complete, $0.id, by: $0.to, detail: "就職") }
        let writer = try RouterStore(path: storePath)
        defer { try? writer.close() }
        let nextChange = Counter()
        let changeOneDay: @Sendable () throws -> Void = {
            let index = nextChange.next()
            guard index < changes.count else { throw ConsoleBenchError("\(month) has too few open referrals to change before each request") }
            _ = try writer.apply([changes[index]])
        }
        let pages: [(String, String, (@Sendable () throws -> Void)?)] = [
            ("未応答の紹介 (all open, first 200 rows)", "/", nil),
            ("未応答の紹介 overdue only", "/?overdue=1", nil),
            ("未応答の紹介 region 幡多", "/?region=%E5%B9%A1%E5%A4%9A", nil),
            ("live refresh fragment", "/unacknowledged/live", nil),
            ("紹介の履歴", "/referrals/\(someID)", nil),
            ("実績 default (this fiscal year so far)", "/report", nil),
            ("実績 one month (\(month))", "/report?period=\(month)", nil),
            ("実績 one month, a change before each", "/report?period=\(month)", changeOneDay),
            ("実績 CSV one month", "/report.csv?period=\(month)", nil),
            ("実績 whole fiscal year (R7)", "/report?period=R7", nil),
            ("突合", "/reconcile", nil),
            ("接続状況 (router not reachable)", "/connections", nil),
        ]
        var timings: [PageTiming] = []
        for (name, path, before) in pages {
            progress("timing \(name)")
            // The fiscal-year report read whole: fewer rounds; one change per request while they last.
            var rounds = path.hasSuffix("R7") ? max(5, requests / 20) : requests
            if before != nil { rounds = min(rounds, changes.count - 2) }
            guard rounds > 0 else {
                progress("skipping \(name): \(month) has too few open referrals to change")
                continue
            }
            var times: [Double] = []
            var bytes = 0
            for _ in 0..<(rounds + 2) {
                try before?()
                let started = ContinuousClock.now
                let (body, response) = try await session.data(from: URL(string: base + path)!)
                let elapsed = ContinuousClock.now - started
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw ConsoleBenchError("\(path) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
                }
                bytes = body.count
                times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            }
            // The first two warm the caches (SQLite's pages, the templates) and are not counted.
            let counted = Array(times.dropFirst(2)).sorted()
            func percentile(_ p: Double) -> Double { counted[min(counted.count - 1, Int((Double(counted.count) * p).rounded(.up)) - 1)] }
            timings.append(PageTiming(page: name, requests: counted.count, firstMilliseconds: times[0],
                                      p50Milliseconds: percentile(0.5), p95Milliseconds: percentile(0.95),
                                      maxMilliseconds: counted.last ?? 0, bytes: bytes))
        }
        // The same month counted as `tsunagi report` counts it, without the console's per-day
        // counts: what the 実績 page cost before them (in process, no HTTP).
        progress("timing the month's report without the per-day counts")
        var direct: [Double] = []
        for _ in 0..<(max(10, requests / 5) + 2) {
            let started = ContinuousClock.now
            _ = try PeriodReport.build(period: monthPeriod, reader: reader, registry: data.directory)
            let elapsed = ContinuousClock.now - started
            direct.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        let counted = Array(direct.dropFirst(2)).sorted()
        timings.append(PageTiming(
            page: "(\(month) report without per-day counts, in process)", requests: counted.count, firstMilliseconds: direct[0],
            p50Milliseconds: counted[counted.count / 2], p95Milliseconds: counted[min(counted.count - 1, Int((Double(counted.count) * 0.95).rounded(.up)) - 1)],
            maxMilliseconds: counted.last ?? 0, bytes: 0))
        return Report(referrals: referrals, openReferrals: open.count, pages: timings)
    }

    /// The seed agencies as an agencies.toml; those in `workers` are listed with a (never read) key.
    public static func seedRegistry(workers: Set<AgencyID>) -> String {
        SeedAgencies.all.map { agency in
            """
            [[agency]]
            id = "\(agency.id)"
            kind = "\(agency.kind)"
            name = "\(agency.name)"
            region = "\(agency.region)"
            ack_due_business_days = \(agency.ackDueBusinessDays)
            \(workers.contains(agency.id) ? "public_key = \"keys/\(agency.id).pub\"" : "")

            """
        }.joined(separator: "\n")
    }

    static func logIn(session: URLSession, base: String, user: String, password: String) async throws {
        let (page, _) = try await session.data(from: URL(string: base + "/login")!)
        let html = String(decoding: page, as: UTF8.self)
        guard let token = html.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1 else {
            throw ConsoleBenchError("the login page has no form token")
        }
        var request = URLRequest(url: URL(string: base + "/login")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("csrf=\(token)&username=\(user)&password=\(password)&next=%2F".utf8)
        let (_, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200, http.url?.path == "/" else {
            throw ConsoleBenchError("logging in to the console failed")
        }
    }

    public static func table(_ report: Report) -> String {
        var lines = ["console pages, \(report.referrals) referrals in the store (\(report.openReferrals) open); milliseconds over HTTP on loopback",
                     "page                                          requests    first     p50     p95     max    bytes"]
        for timing in report.pages {
            lines.append(timing.page.padding(toLength: 44, withPad: " ", startingAt: 0)
                + String(format: "  %8d  %7.1f  %6.1f  %6.1f  %6.1f  %7d", timing.requests, timing.firstMilliseconds,
                         timing.p50Milliseconds, timing.p95Milliseconds, timing.maxMilliseconds, timing.bytes))
        }
        return lines.joined(separator: "\n")
    }
}

/// Hands out 0, 1, 2, … to the bench's change-before-each-request closure.
final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// The page bench could not run; the sentence says why.
public struct ConsoleBenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
