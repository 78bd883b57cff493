/// When an idle writer takes the open batch. Handing it over at once commits the first request
/// that arrives after a commit's answers went out, and the rest of that round waits a whole
/// fsync behind it: under one client with 64 in flight, batches of 1 and 63 alternated and half
/// the fsyncs carried one referral. The answers just sent say how many requests are likely to
/// come back, so the idle writer waits for that many, but never longer than `window`: a lone
/// request at low load goes at once (one answered, one expected), and no request waits more than
/// the window beyond what it waited before.
struct Gathering {
    static let window: Duration = .milliseconds(2)

    /// Requests answered by the last commit: the round likely to come back.
    private var expected = 0
    /// Since when an idle writer has been waiting for the open batch to fill.
    private var idleSince: ContinuousClock.Instant?

    /// Notes that a commit's answers went out.
    mutating func answered(_ count: Int) {
        expected = count
    }

    /// Whether the idle writer takes the open batch of `count` requests now.
    mutating func isReady(count: Int, maxBatch: Int, at now: ContinuousClock.Instant) -> Bool {
        guard count > 0 else { return false }
        let since = idleSince ?? now
        idleSince = since
        return count >= min(expected, maxBatch) || now - since >= Self.window
    }

    /// The batch was handed over: the next one waits afresh.
    mutating func handedOver() {
        idleSince = nil
    }

    /// How long the loop may block before the waiting batch must go; nil when none waits.
    var deadline: ContinuousClock.Instant? {
        idleSince.map { $0 + Self.window }
    }
}
