import Foundation

/// The bench's figures as a table (against product.md §8) or as JSON.
public enum BenchFormatting {
    public static func json(_ report: BenchReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! encoder.encode(report), as: UTF8.self)
    }

    public static func table(_ report: BenchReport) -> String {
        var rows: [(String, String, String)] = []
        func verdict(_ ok: Bool) -> String { ok ? "met" : "NOT met" }
        if let submits = report.durableSubmits {
            rows.append(("durable submits/s (\(submits.inFlight) in flight)", String(format: "%.0f", submits.perSecond), "≥ 20000: \(verdict(submits.perSecond >= 20_000))"))
            rows.append(("ack latency p50 / p99 / max", String(format: "%.2f / %.2f / %.2f ms", submits.ackLatency.p50Milliseconds, submits.ackLatency.p99Milliseconds, submits.ackLatency.maxMilliseconds), "p99 ≤ 10 ms: \(verdict(submits.ackLatency.p99Milliseconds <= 10))"))
            rows.append(("router CPU per submit", String(format: "%.1f µs", submits.routerCPUMicrosecondsPerSubmit), "≤ 40 µs: \(verdict(submits.routerCPUMicrosecondsPerSubmit <= 40))"))
            rows.append(("router CPU / peak memory", String(format: "%.0f%% / %.0f MB", submits.routerCPUPercent, submits.routerPeakMemoryMB), ""))
            if let busy = submits.machineBusyPercent, let steal = submits.hostStealPercent {
                rows.append(("  machine busy / taken by the host", String(format: "%.0f%% / %.1f%%", busy, steal), "of all cores: the host's part of a slow run"))
            }
        }
        if let handoff = report.handoff {
            rows.append(("hand-off p50 / p99 / max at \(handoff.rate)/s", String(format: "%.2f / %.2f / %.2f ms", handoff.latency.p50Milliseconds, handoff.latency.p99Milliseconds, handoff.latency.maxMilliseconds), "p99 ≤ 20 ms: \(verdict(handoff.latency.p99Milliseconds <= 20))"))
            rows.append(("  fsync beside it p50 / p99 / max", String(format: "%.2f / %.2f / %.2f ms", handoff.fsyncLatency.p50Milliseconds, handoff.fsyncLatency.p99Milliseconds, handoff.fsyncLatency.maxMilliseconds), "the disk's part of the tail"))
        }
        if let large = report.largeStore {
            rows.append(("store size", "\(large.referrals) referrals", String(format: "filled in %.0f s", large.fillSeconds)))
            rows.append(("pending view", String(format: "%.1f ms", large.pendingViewMilliseconds), "≤ 50 ms: \(verdict(large.pendingViewMilliseconds <= 50))"))
            rows.append(("router restart to ready", String(format: "%.0f ms", large.restartToReadyMilliseconds), "≤ 2 s: \(verdict(large.restartToReadyMilliseconds <= 2_000))"))
            rows.append(("a day's reconcile", String(format: "%.0f ms", large.dayReconcileMilliseconds), "≤ 1 s: \(verdict(large.dayReconcileMilliseconds <= 1_000))"))
            rows.append(("fiscal-year report", String(format: "%.0f ms", large.fiscalYearReportMilliseconds), "≤ 5 s: \(verdict(large.fiscalYearReportMilliseconds <= 5_000))"))
            rows.append(("router memory", String(format: "%.0f MB", large.routerMemoryMB), "≤ 150 MB: \(verdict(large.routerMemoryMB <= 150))"))
        }
        let width0 = rows.map(\.0.count).max() ?? 0
        let width1 = rows.map(\.1.count).max() ?? 0
        var lines = ["Tsunagi bench on \(report.machine)", ""]
        for row in rows {
            lines.append(row.0.padding(toLength: width0, withPad: " ", startingAt: 0) + "  " +
                         row.1.padding(toLength: width1, withPad: " ", startingAt: 0) + "  " + row.2)
        }
        return lines.joined(separator: "\n")
    }
}
