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
