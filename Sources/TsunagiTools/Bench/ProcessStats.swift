import Foundation

/// CPU time and memory of a process, read from /proc (Linux).
public struct ProcessStats: Sendable {
    /// User plus system CPU seconds so far.
    public let cpuSeconds: Double
    /// Resident memory now and at its peak, in bytes.
    public let residentBytes: Int
    public let peakResidentBytes: Int

    public static func read(pid: Int32) -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        func kilobytes(_ key: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(key) {
                return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0").map { $0 * 1024 } ?? 0
            }
            return 0
        }
        return ProcessStats(cpuSeconds: (user + system) / ticks, residentBytes: kilobytes("VmRSS:"),
                            peakResidentBytes: kilobytes("VmHWM:"))
    }
}

/// The whole machine's CPU time so far, from the first line of /proc/stat (Linux), in clock ticks:
/// how busy the machine was during a run, and how much of it the host took for other guests
/// (steal) — the CPU's counterpart of the fsync probe, to tell a slow neighbour from slow code.
public struct MachineCPUTimes: Sendable {
    public let busy: UInt64
    public let steal: UInt64
    public let total: UInt64

    public static func read() -> MachineCPUTimes? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already within user).
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard ticks.count == 8 else { return nil }
        let total = ticks.reduce(0, +)
        return MachineCPUTimes(busy: total - ticks[3] - ticks[4] - ticks[7], steal: ticks[7], total: total)
    }

    /// Shares of the machine's CPU time between `earlier` and this reading, in per cent.
    public func since(_ earlier: MachineCPUTimes) -> (busyPercent: Double, stealPercent: Double) {
        let total = Double(self.total &- earlier.total)
        guard total > 0 else { return (0, 0) }
        return (Double(busy &- earlier.busy) / total * 100, Double(steal &- earlier.steal) / total * 100)
    }
}
