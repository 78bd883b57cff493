import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The demo's child processes, by pid, so that every path out — the end, an error, Ctrl-C — stops
/// them all: SIGTERM, wait, SIGKILL only if one does not end within its grace time.
final class DemoChildren: Sendable {
    struct Child: Sendable {
        let name: String
        let pid: Int32
    }

    private struct State {
        var children: [Child] = []
        var closed = false
    }

    private let state = Mutex(State())

    /// Registers a started child. After `stopAll` began, a late child is stopped at once and refused.
    func add(name: String, pid: Int32) throws {
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.children.append(Child(name: name, pid: pid))
            return true
        }
        if !accepted {
            Self.stop(Child(name: name, pid: pid), grace: .seconds(5))
            throw DemoError("stopping: \(name) was not left running")
        }
    }

    /// Whether `stopAll` has begun (Ctrl-C, or the end): a child that died meanwhile is no surprise.
    var stopping: Bool { state.withLock { $0.closed } }

    /// Forgets a child that ended by itself (a staff command that finished).
    func remove(pid: Int32) {
        state.withLock { state in state.children.removeAll { $0.pid == pid } }
    }

    /// Stops every child still running, the last started first (workers before the router), and
    /// refuses new ones. Returns the names of those that needed SIGKILL.
    @discardableResult
    func stopAll(grace: Duration = .seconds(10)) -> [String] {
        let children = state.withLock { state -> [Child] in
            state.closed = true
            defer { state.children = [] }
            return state.children
        }
        var killed: [String] = []
        // SIGTERM to all first, so they wind down together; then wait for each.
        for child in children.reversed() where Self.isAlive(child.pid) { kill(child.pid, SIGTERM) }
        for child in children.reversed() where !Self.waitForExit(child.pid, within: grace) {
            kill(child.pid, SIGKILL)
            _ = Self.waitForExit(child.pid, within: .seconds(5))
            killed.append(child.name)
        }
        return killed
    }

    static func stop(_ child: Child, grace: Duration) {
        guard isAlive(child.pid) else { return }
        kill(child.pid, SIGTERM)
        if !waitForExit(child.pid, within: grace) {
            kill(child.pid, SIGKILL)
            _ = waitForExit(child.pid, within: .seconds(5))
        }
    }

    /// Whether the process still exists and has not exited (Foundation's Process reaps it on exit;
    /// a zombie not yet reaped counts as ended).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        if let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = status.lastIndex(of: ")") {
            let rest = status[status.index(after: close)...].trimmingCharacters(in: .whitespaces)
            if rest.hasPrefix("Z") || rest.hasPrefix("X") { return false }
        }
        return true
    }

    static func waitForExit(_ pid: Int32, within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while isAlive(pid) {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }
}

/// Why the demo stopped, in one sentence.
public struct DemoError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
