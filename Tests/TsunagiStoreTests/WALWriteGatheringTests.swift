import Foundation
import GRDB
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

@Suite("The router store's WAL writes, one call per commit")
struct WALWriteGatheringTests {
    @Test("a commit of 64 referrals reaches the WAL in a few writes, and every other connection reads it at once")
    func aCommitIsWrittenInOneCallAndReadByOthers() throws {
        let directory = makeTemporaryDirectory("wal-gathering")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/router.sqlite"
        let store = try RouterStore(path: path)
        defer { try? store.close() }
        // A connection of SQLite's own VFS, outside the store, as a tool reading the store would be.
        let outsider = try DatabaseQueue(path: path)
        defer { try? outsider.close() }

        #expect(store.pool.writeWithoutTransaction { db in WALWriteGathering.isHoldingWrites(db.sqliteConnection!) } == true,
                "the store's writer does not hold its WAL writes")
        for batch in 0..<20 {
            let requests = (0..<64).map { index in
                StoreRequest.submit(SampleReferral.make(id: "gather-\(batch)-\(index)", from: "peer-support.kochi", to: "saposute.kochi"),
                                    dueDay: CivilDate("2026-12-10")!)
            }
            let writesBefore = try writeCalls()
            let results = try store.apply(requests)
            let writes = try writeCalls() - writesBefore
            #expect(results.allSatisfy { if case .submitted(_, _, true, _) = $0 { true } else { false } })
            // SQLite's own VFS writes each of the ~50 frames in two calls. (GRDB runs the write on
            // this thread; at least the commit's one write shows that it did.)
            #expect((1..<10).contains(writes), "batch \(batch): \(writes) write calls on this thread for one commit")
            let seen = try outsider.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM referral") }
            #expect(seen == (batch + 1) * 64, "batch \(batch): another connection read \(seen ?? -1) referrals")
        }
        // The store's own readers too.
        let pending = try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM referral WHERE state = 'submitted'") }
        #expect(pending == 20 * 64)
        #expect(try store.verify().isEmpty)
    }

    @Test("a connection that does not sync at every commit is refused, and writes straight through")
    func onlyTheFullySyncedWriterHolds() throws {
        let directory = makeTemporaryDirectory("wal-gathering-normal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/other.sqlite"
        #expect(WALWriteGathering.isRegistered)
        let pool = try DatabasePool(path: path)  // GRDB's pools sync with NORMAL
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE note (text TEXT)")
            try db.execute(sql: "INSERT INTO note VALUES ('written')")
        }
        #expect(try pool.writeWithoutTransaction { try WALWriteGathering.holdWrites(of: $0) } == false)
        #expect(pool.writeWithoutTransaction { db in WALWriteGathering.isHoldingWrites(db.sqliteConnection!) } == false)
        try pool.write { try $0.execute(sql: "INSERT INTO note VALUES ('again')") }
        let outsider = try DatabaseQueue(path: path)
        #expect(try outsider.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM note") } == 2)
        try outsider.close()
        try pool.close()
    }
}

/// Write system calls this thread has made so far (`syscw` in /proc/thread-self/io): the
/// checkpointer's, on its own thread, do not count.
private func writeCalls() throws -> Int {
    let text = try String(contentsOfFile: "/proc/thread-self/io", encoding: .utf8)
    for line in text.split(separator: "\n") where line.hasPrefix("syscw:") {
        return Int(line.dropFirst("syscw:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}
