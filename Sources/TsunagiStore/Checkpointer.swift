import Foundation
import GRDB
import Synchronization

/// Moves the WAL into the database file from its own connection and thread, so that no commit —
/// and no acknowledgement waiting on it — pays for a checkpoint. SQLite's automatic checkpoint
/// runs inside the commit that crosses the threshold and stalled it for hundreds of milliseconds.
final class Checkpointer: Sendable {
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    /// The WAL's length in frames at the last checkpoint, for the writer to see it growing.
    let walFrames = Atomic<Int>(0)

    init(path: String, interval: Duration = .milliseconds(500)) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "tsunagi.checkpointer"
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopping.withLock({ $0 }) {
                // PASSIVE never waits for readers or the writer: it copies what it can.
                if let (frames, _) = try? connection.writeWithoutTransaction({ try $0.checkpoint(.passive) }) {
                    walFrames.store(frames, ordering: .relaxed)
                }
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
            }
            try? connection.close()
        }
        thread.name = "tsunagi-checkpointer"
        thread.start()
    }

    func stop() {
        let wasStopping = stopping.withLock { value in
            defer { value = true }
            return value
        }
        if !wasStopping { finished.wait() }
    }
}
