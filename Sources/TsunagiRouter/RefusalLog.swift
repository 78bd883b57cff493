import TsunagiCore

/// Rate-limits refusal lines: per subject (an agency, or a peer address) and reason, the first
/// few of each minute are logged in full, the rest only counted, and one summary line a minute
/// says how many there were. A flood of bad messages then costs a few lines, not one per message.
struct RefusalLog {
    struct Key: Hashable, Sendable {
        let subject: String
        let reason: String
    }

    struct Summary: Equatable, Sendable {
        let key: Key
        /// Refusals of the window, logged or not.
        let refused: Int
        /// Of those, the ones not logged in full.
        let suppressed: Int
    }

    static let fullLinesPerWindow = 5
    let window: Duration
    private var windowEnds: ContinuousClock.Instant
    private var counts: [Key: Int] = [:]

    init(now: ContinuousClock.Instant, window: Duration = .seconds(60)) {
        self.window = window
        windowEnds = now.advanced(by: window)
    }

    /// Counts one refusal; returns whether it is to be logged in full.
    mutating func note(_ key: Key) -> Bool {
        counts[key, default: 0] += 1
        return counts[key]! <= Self.fullLinesPerWindow
    }

    /// Once a window has ended: a summary for every key that went beyond its full lines, and a
    /// fresh window. Before that: nothing.
    mutating func endWindow(now: ContinuousClock.Instant) -> [Summary] {
        guard now >= windowEnds else { return [] }
        windowEnds = now.advanced(by: window)
        let summaries = counts.compactMap { key, count in
            count > Self.fullLinesPerWindow
                ? Summary(key: key, refused: count, suppressed: count - Self.fullLinesPerWindow) : nil
        }
        counts = [:]
        return summaries.sorted { ($0.key.subject, $0.key.reason) < ($1.key.subject, $1.key.reason) }
    }
}
