import Foundation
import Synchronization
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

@Suite("The router store's WAL under steady writes", .timeLimit(.minutes(2)))
struct WALRewindTests {
    @Test("with commits back to back, the WAL starts again from its beginning once it passes the rewind size")
    func walRewindsUnderSteadyLoad() throws {
        let directory = makeTemporaryDirectory("wal-rewind")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/router.sqlite"
        let rewindBytes = 256 << 10
        let store = try RouterStore(path: path, walRewindBytes: rewindBytes)
        defer { try? store.close() }
        let writer = SteadyWriter(store: store)
        writer.next()
        defer { writer.stop() }

        // Once the WAL is well past the rewind size while commits never pause, SQLite alone would
        // never start it again: the checkpointer is always behind the last commit.
        try #require(try waitUntil(.seconds(60)) { try fileSize(path + "-wal") > 2 * rewindBytes },
                     "the WAL did not grow past the rewind size")
        let grown = try walCheckpointSequence(path + "-wal")
        #expect(try waitUntil(.seconds(60)) { try walCheckpointSequence(path + "-wal") != grown },
                "the WAL did not start again from its beginning")
        writer.stop()
        #expect(writer.failures.load(ordering: .relaxed) == 0)
        #expect(try store.verify().isEmpty)
    }
}

/// Submits batches so that each commit's completion queues the next: the writer never pauses.
private final class SteadyWriter: Sendable {
    let store: RouterStore
    private let stopping = Mutex(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let batches = Atomic<Int>(0)
    let failures = Atomic<Int>(0)

    init(store: RouterStore) { self.store = store }

    func next() {
        if stopping.withLock({ $0 }) { stopped.signal(); return }
        let batch = batches.add(1, ordering: .relaxed).newValue
        let requests = (0..<32).map { index in
            StoreRequest.submit(SampleReferral.make(id: "wal-\(batch)-\(index)", from: "peer-support.kochi", to: "saposute.kochi"),
                                dueDay: CivilDate("2026-12-10")!)
        }
        store.applyInBackground(requests) { result in
            if case .failure = result { self.failures.add(1, ordering: .relaxed) }
            self.next()
        }
    }

    /// Stops after the commit under way (once; later calls return at once).
    func stop() {
        let first = stopping.withLock { value in
            defer { value = true }
            return !value
        }
        if first { stopped.wait() }
    }
}

private func fileSize(_ path: String) throws -> Int {
    try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
}

/// The WAL header's checkpoint sequence number (bytes 12–15, big-endian): SQLite adds one each
/// time the WAL starts again from its beginning.
private func walCheckpointSequence(_ path: String) throws -> UInt32 {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    let header = try handle.read(upToCount: 16) ?? Data()
    guard header.count == 16 else { return 0 }
    return header[12..<16].reduce(0) { $0 << 8 | UInt32($1) }
}
