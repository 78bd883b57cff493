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
        let databaseFile = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        let pause = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            defer {
                if databaseFile >= 0 { close(databaseFile) }
                finished.signal()
            }
            var copiedBefore = 0
            while !stopping.withLock({ $0 }) {
                // PASSIVE never waits for readers or the writer: it copies what it can.
                guard let (frames, copied) = try? connection.writeWithoutTransaction({ try $0.checkpoint(.passive) }) else {
                    Thread.sleep(forTimeInterval: pause)
                    continue
                }
                // Fewer frames copied than before: the WAL started again from its beginning.
                let progressed = copied > (copied < copiedBefore ? 0 : copiedBefore)
                copiedBefore = copied
                // SQLite syncs the database file only after a pass during which nothing was
                // committed, which under steady commits never happens: the pages copied stayed
                // dirty until the writer started the WAL again (RouterStore.rewindLargeWAL), and
                // its checkpoint's fsync wrote them all, 15 ms in the path of a batch (measured).
                // When SQLite did sync, this one finds nothing left to write.
                if progressed, databaseFile >= 0 { _ = fdatasync(databaseFile) }
                walFrames.store(frames, ordering: .relaxed)
                Thread.sleep(forTimeInterval: pause)
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
