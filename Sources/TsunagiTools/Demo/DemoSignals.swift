import Foundation
import Synchronization
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// The signals that end the demo, through swift-service-lifecycle's UnixSignals: Ctrl-C (SIGINT),
/// SIGTERM, and SIGHUP — a closed terminal (`tmux kill-session`, a closed window, a dropped ssh).
/// Each stops every child, then exits; while the network is kept running on purpose, SIGINT and
/// SIGTERM only end that wait so the demo shuts down in order. SIGPIPE is ignored: a reader of the
/// demo's output that went away (`| tee` after Ctrl-C, a `| head`) must not kill the demo before
/// it has stopped its children.
final class DemoSignals: Sendable {
    private let children: DemoChildren
    private let say: @Sendable (String) -> Void
    private let waiting = Mutex(false)
    private let interrupted = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)
    private let listener = Mutex<Task<Void, Never>?>(nil)
    /// The run's folder, once there is one, for the last line said on an interrupt.
    let runFolder = Mutex<String?>(nil)

    init(children: DemoChildren, say: @escaping @Sendable (String) -> Void) {
        self.children = children
        self.say = say
    }

    /// Traps the signals; returns once the trap is in place, before any child is started.
    func install() {
        signal(SIGPIPE, SIG_IGN)
        let trapped = DispatchSemaphore(value: 0)
        let task = Task.detached { [self] in
            let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
            trapped.signal()
            for await received in signals {
                let number = received.rawValue
                // Stopping the children blocks for seconds: on a thread of its own, not the pool's.
                Thread.detachNewThread { self.handle(number) }
            }
        }
        listener.withLock { $0 = task }
        trapped.wait()
    }

    func uninstall() {
        listener.withLock { task in
            task?.cancel()
            task = nil
        }
    }

    private func handle(_ number: Int32) {
        if number != SIGHUP, waiting.withLock({ $0 }) {
            wake.signal()
            return
        }
        let first = interrupted.withLock { interrupted in
            defer { interrupted = true }
            return !interrupted
        }
        guard first else { return }
        say("")
        say(number == SIGHUP ? "The terminal closed: stopping the router and the workers…" : "Interrupted: stopping the router and the workers…")
        let killed = children.stopAll()
        say(killed.isEmpty ? "All stopped." : "All stopped (\(killed.joined(separator: ", ")) needed SIGKILL).")
        if let folder = runFolder.withLock({ $0 }) { say("What was done so far is in \(folder).") }
        exit(128 + number)
    }

    /// When an interrupt is being handled, waits for its handler to end the process.
    func parkIfInterrupted() {
        while interrupted.withLock({ $0 }) { Thread.sleep(forTimeInterval: 1) }
    }

    /// Blocks until Ctrl-C or SIGTERM (SIGHUP stops everything instead).
    func waitForInterrupt() {
        waiting.withLock { $0 = true }
        wake.wait()
    }
}
