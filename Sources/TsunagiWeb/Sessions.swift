import Foundation
import Synchronization

/// A logged-in staff member's session. The id travels in an HttpOnly, SameSite=Strict cookie; the
/// CSRF token is sent back in every form the session's pages show.
public struct WebSession: Sendable, Equatable {
    public let id: String
    public let user: String
    public let csrfToken: String
    public let created: Date
    public var lastSeen: Date
}

/// The clock sessions and login limits read; tests move it by hand.
public protocol WebClock: Sendable {
    func now() -> Date
}

public struct SystemWebClock: WebClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock a test sets.
public final class ManualWebClock: WebClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// Unguessable tokens for session ids and CSRF tokens (the system's CSPRNG, 256 bits).
public enum WebToken {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(64)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            text += String(word, radix: 16).leftPadded(to: 16)
        }
        return text
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// The sessions of one web site, in memory: a restart logs everyone out, which is what a desk on
/// one machine wants. A session ends after `inactivity` without a request, on logout, and when its
/// user is removed from the user file.
public final class SessionStore: Sendable {
    public enum Lookup: Sendable, Equatable {
        case valid(WebSession)
        case expired
        case unknown
    }

    public let inactivity: TimeInterval
    /// The longest a session lives however active it is.
    public let maximumAge: TimeInterval
    /// Beyond this many sessions the least recently used goes first.
    public let capacity: Int
    private let clock: any WebClock
    private let sessions = Mutex<[String: WebSession]>([:])

    public init(inactivity: TimeInterval = 30 * 60, maximumAge: TimeInterval = 12 * 3600, capacity: Int = 1000,
                clock: any WebClock = SystemWebClock()) {
        self.inactivity = inactivity
        self.maximumAge = maximumAge
        self.capacity = capacity
        self.clock = clock
    }

    /// Starts a new session for a user who has just logged in (a fresh id: no session fixation).
    public func create(user: String) -> WebSession {
        let now = clock.now()
        let session = WebSession(id: WebToken.make(), user: user, csrfToken: WebToken.make(), created: now, lastSeen: now)
        sessions.withLock { sessions in
            sessions = sessions.filter { !isExpired($0.value, at: now) }
            if sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                sessions[oldest.id] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    /// Finds the session and, if it is still alive, marks it as used now.
    public func touch(_ id: String) -> Lookup {
        let now = clock.now()
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return .unknown }
            if isExpired(session, at: now) {
                sessions[id] = nil
                return .expired
            }
            session.lastSeen = now
            sessions[id] = session
            return .valid(session)
        }
    }

    public func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Ends every session of a user (removed from the user file).
    public func removeAll(user: String) {
        sessions.withLock { sessions in sessions = sessions.filter { $0.value.user != user } }
    }

    public var count: Int { sessions.withLock { $0.count } }

    private func isExpired(_ session: WebSession, at now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) > inactivity || now.timeIntervalSince(session.created) > maximumAge
    }
}
