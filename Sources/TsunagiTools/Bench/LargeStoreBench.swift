import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiRuntime

/// The large-store targets: a fiscal year's worth of referrals in the store, then the pending
/// view, the router's restart, a day's reconcile and the fiscal-year report, each timed.
public enum LargeStoreBench {
    /// Fiscal year 令和7年度 (2025-04-01 … 2026-03-31), where the filled referrals are created.
    public static let fiscalYear = try! ReportPeriod.parse("R7")
    /// One referral in this many stays unacknowledged (the pending view's rows).
    static let openEvery = 500

    static func measure(_ options: BenchOptions, network: NetworkInit.Result, routerExecutable: String,
                        progress: @escaping @Sendable (String) -> Void) throws -> BenchReport.LargeStore {
        let storePath = "\(network.directory)/data/router/router.sqlite"
        let fillStarted = ContinuousClock.now
        try fill(storePath: storePath, count: options.fill, progress: progress)
        let fillTime = ContinuousClock.now - fillStarted

        let reader = try StoreReader(path: storePath)
        let pending = try median(5) { _ = try PendingView.items(reader: reader) }

        let router = try RouterProcess(executable: routerExecutable, network: network)
        defer { router.stop() }
        let restart = try router.waitUntilReady()
        let memory = Double(ProcessStats.read(pid: router.pid)?.residentBytes ?? 0) / 1_048_576

        let day = fiscalYear.first.adding(days: 100)
        try reportLedgers(day: day, reader: reader, storePath: storePath)
        let reconcile = try median(3) { _ = try Reconciler.run(day: day, reader: reader) }
        let report = try median(3) { _ = try PeriodReport.build(period: fiscalYear, reader: reader, registry: nil) }
        return BenchReport.LargeStore(
            referrals: options.fill, fillSeconds: fillTime.seconds, pendingViewMilliseconds: pending.milliseconds,
            restartToReadyMilliseconds: restart.milliseconds, dayReconcileMilliseconds: reconcile.milliseconds,
            fiscalYearReportMilliseconds: report.milliseconds, routerMemoryMB: memory)
    }

    /// Fills the store through the router's own write path, in large batches: referrals spread over
    /// the fiscal year, most carried to an answer, one in `openEvery` left unacknowledged.
    public static func fill(storePath: String, count: Int, progress: @escaping @Sendable (String) -> Void) throws {
        let store = try RouterStore(path: storePath)
        defer { try? store.close() }
        let agencies = SeedAgencies.all.map(\.id)
        let days = fiscalYear.last.days(since: fiscalYear.first) + 1
        let outcomes = ["就職", "修学", "一般就労:農業", "一般就労:介護", "来所"]
        var batch: [StoreRequest] = []
        batch.reserveCapacity(8192)
        for number in 0..<count {
            let sender = agencies[number % agencies.count]
            // Some agency other than the sender, varying with the number.
            let destination = agencies[(number + 1 + number / agencies.count % (agencies.count - 1)) % agencies.count]
            let day = fiscalYear.first.adding(days: number * days / max(count, 1))
            let referral = BenchReferrals.make(number: number, sender: sender, destination: destination, run: 1,
                                               createdAt: "\(day)T10:00:00+09:00")
            batch.append(.submit(referral, dueDay: day.adding(days: 5)))
            if number % openEvery != 0 {
                batch.append(.transition(.confirmDelivery, referral.id, by: destination, detail: nil))
                switch number % 10 {
                case 0, 1: batch.append(.transition(.decline, referral.id, by: destination, detail: "対象外"))
                case 2: batch.append(.transition(.withdraw, referral.id, by: sender, detail: "本人の希望"))
                case 3, 4, 5:
                    batch.append(.transition(.accept, referral.id, by: destination, detail: nil))
                default:
                    batch.append(.transition(.accept, referral.id, by: destination, detail: nil))
                    batch.append(.transition(.complete, referral.id, by: destination, detail: outcomes[number % outcomes.count]))
                }
            }
            if batch.count >= 8000 {
                _ = try store.apply(batch)
                batch.removeAll(keepingCapacity: true)
                if number % 100_000 < 2000 { progress("  \(number) referrals stored") }
            }
        }
        if !batch.isEmpty { _ = try store.apply(batch) }
        try store.checkpoint()
    }

    /// Every agency's ledger report for `day`, agreeing with the store (a clean night).
    static func reportLedgers(day: CivilDate, reader: StoreReader, storePath: String) throws {
        let referrals = try reader.referrals(createdOn: day)
        var entries: [AgencyID: [LedgerEntry]] = [:]
        for referral in referrals {
            entries[referral.from, default: []].append(LedgerEntry(referral: referral.id, counterpart: referral.to, direction: .sent, state: referral.state))
            entries[referral.to, default: []].append(LedgerEntry(referral: referral.id, counterpart: referral.from, direction: .received, state: referral.state))
        }
        let store = try RouterStore(path: storePath)
        defer { try? store.close() }
        _ = try store.apply(entries.map { agency, lines in
            .report(LedgerReport(agency: agency, day: day, generatedAt: "\(day)T23:00:00+09:00", entries: lines))
        })
    }

    static func median(_ runs: Int, _ body: () throws -> Void) throws -> Duration {
        var times: [Duration] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            try body()
            times.append(ContinuousClock.now - started)
        }
        return times.sorted()[runs / 2]
    }
}
