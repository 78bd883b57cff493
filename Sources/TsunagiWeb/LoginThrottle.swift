import Foundation
import Synchronization

/// Slows password guessing: after `maxFailuresPerUser` failed logins for one name, or
/// `maxFailuresPerAddress` from one address, within `window`, further attempts are refused until
/// the oldest failure leaves the window. A success clears the name's count.
public final class LoginThrottle: Sendable {
    public let window: TimeInterval
    public let maxFailuresPerUser: Int
    public let maxFailuresPerAddress: Int
    private let clock: any WebClock
    private let failures = Mutex<[String: [Date]]>([:])

    public init(window: TimeInterval = 15 * 60, maxFailuresPerUser: Int = 5, maxFailuresPerAddress: Int = 20,
                clock: any WebClock = SystemWebClock()) {
        self.window = window
        self.maxFailuresPerUser = maxFailuresPerUser
        self.maxFailuresPerAddress = maxFailuresPerAddress
        self.clock = clock
    }

    /// How long the caller must wait before trying again; nil when an attempt may be made now.
    public func waitBeforeAttempt(user: String, address: String) -> TimeInterval? {
        let now = clock.now()
        return failures.withLock { failures in
            var wait: TimeInterval?
            for (key, limit) in [("user:" + user, maxFailuresPerUser), ("addr:" + address, maxFailuresPerAddress)] {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait ?? 0, window - now.timeIntervalSince(oldest))
                }
            }
            return wait
        }
    }

    public func recordFailure(user: String, address: String) {
        let now = clock.now()
        failures.withLock { failures in
            failures["user:" + user, default: []].append(now)
            failures["addr:" + address, default: []].append(now)
            // An address spraying names must not grow the table without bound.
            if failures.count > 10_000 {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
        }
    }

    public func recordSuccess(user: String) {
        _ = failures.withLock { $0.removeValue(forKey: "user:" + user) }
    }
}
