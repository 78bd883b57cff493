import Histogram

/// Latencies in microseconds in an HDR histogram (1 µs to 60 s, 3 significant digits).
public struct LatencyRecorder: Sendable {
    var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public mutating func record(_ duration: Duration) {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        _ = histogram.record(UInt64(max(1, min(micros, 60_000_000))))
    }

    public mutating func merge(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
    }

    public var count: UInt64 { histogram.totalCount }

    public var summary: LatencySummary {
        LatencySummary(
            count: Int(histogram.totalCount),
            p50Milliseconds: Double(histogram.valueAtPercentile(50)) / 1000,
            p99Milliseconds: Double(histogram.valueAtPercentile(99)) / 1000,
            maxMilliseconds: Double(histogram.max) / 1000)
    }
}

public struct LatencySummary: Sendable, Codable {
    public let count: Int
    public let p50Milliseconds: Double
    public let p99Milliseconds: Double
    public let maxMilliseconds: Double
}
