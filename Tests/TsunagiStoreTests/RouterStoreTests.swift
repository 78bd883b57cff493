import Foundation
import GRDB
import Testing
import TsunagiCore
import TsunagiTestSupport
@testable import TsunagiStore

@Suite("Router store")
struct RouterStoreTests {
    let directory = makeTemporaryDirectory("tsunagi-store")
    var path: String { "\(directory)/router.sqlite" }
    let due = CivilDate("2026-12-01")!

    func referral(_ id: String, from: String = "peer-support.kochi", to: String = "saposute.kochi") -> Referral {
        SampleReferral.make(id: id, from: from, to: to)
    }

    @Test("the writer runs with synchronous=FULL and the files are the owner's only")
    func durabilitySettings() throws {
        let store = try RouterStore(path: path)
        #expect(try store.writerSynchronousMode() == 2)
        _ = try store.apply([.submit(referral("a-1"), dueDay: due)])
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        let journal = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    @Test("one batch, one transaction: a refusal inside it leaves the others applied")
    func batchWithRefusal() throws {
        let store = try RouterStore(path: path)
        let first = referral("b-1")
        var changed = first
        changed.personal = Array("other".utf8)
        let results = try store.apply([
            .submit(first, dueDay: due),
            .submit(changed, dueDay: due),
            .transition(.accept, first.id, by: AgencyID("saposute.kochi"), detail: nil),
            .transition(.accept, ReferralID(rawValue: "nope")!, by: AgencyID("saposute.kochi"), detail: nil),
            .submit(first, dueDay: due),
        ])
        #expect(results[0] == .submitted(first.id, .submitted, isNew: true, sequence: 1))
        guard case .refused(let conflict) = results[1] else { Issue.record("expected a conflict"); return }
        #expect(conflict.code == .conflict)
        guard case .transitioned(.accept, _, .accepted, let notices) = results[2] else { Issue.record("expected accepted"); return }
        #expect(notices.map(\.agency) == [AgencyID("peer-support.kochi")])
        guard case .refused(let missing) = results[3] else { Issue.record("expected not-found"); return }
        #expect(missing.code == .notFound)
        // The repeat sees the state the same transaction reached.
        #expect(results[4] == .submitted(first.id, .accepted, isNew: false, sequence: 1))
        #expect(try StoreReader(store: store).history(of: first.id).map(\.state) == [.submitted, .accepted])
    }

    @Test("a repeated answer is answered as done and records nothing new")
    func repeatedTransitions() throws {
        let store = try RouterStore(path: path)
        let item = referral("c-1")
        let destination = AgencyID("saposute.kochi")
        _ = try store.apply([.submit(item, dueDay: due), .transition(.confirmDelivery, item.id, by: destination, detail: nil)])
        let events = try StoreReader(store: store).eventCount()
        let again = try store.apply([.transition(.confirmDelivery, item.id, by: destination, detail: nil)])
        #expect(again == [.transitioned(.confirmDelivery, item.id, .delivered, notices: [])])
        _ = try store.apply([.transition(.decline, item.id, by: destination, detail: "対象外")])
        let repeated = try store.apply([.transition(.decline, item.id, by: destination, detail: "対象外")])
        #expect(repeated == [.transitioned(.decline, item.id, .declined, notices: [])])
        let otherReason = try store.apply([.transition(.decline, item.id, by: destination, detail: "別の理由")])
        guard case .refused(let error) = otherReason[0] else { Issue.record("expected a refusal"); return }
        #expect(error.code == .invalidTransition)
        #expect(try StoreReader(store: store).eventCount() == events + 1)
    }

    @Test("the audit trail cannot be changed or deleted")
    func appendOnly() throws {
        let store = try RouterStore(path: path)
        _ = try store.apply([.submit(referral("d-1"), dueDay: due)])
        try store.close()
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "UPDATE event SET state = 'completed'") } }
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM event") } }
    }

    @Test("verify finds a state that drifted from its events; a clean store verifies")
    func verifyFindsDrift() throws {
        let store = try RouterStore(path: path)
        _ = try store.apply([.submit(referral("e-1"), dueDay: due), .submit(referral("e-2"), dueDay: due)])
        #expect(try store.verify().isEmpty)
        try store.close()
        try DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE referral SET state = 'accepted' WHERE id = 'e-2'") }
        let problems = try StoreReader(path: path).verify()
        #expect(problems.count == 1 && problems[0].contains("e-2"))
    }

    @Test("a row holding a value the router never writes is reported, naming the referral and the column, never guessed")
    func unreadableRowsAreReported() throws {
        let store = try RouterStore(path: path)
        _ = try store.apply([.submit(referral("u-1"), dueDay: due), .submit(referral("u-2"), dueDay: due)])
        try store.close()
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE referral SET due_day = '' WHERE id = 'u-2'")
            try db.execute(sql: "UPDATE referral SET age_band = 'old' WHERE id = 'u-1'")
        }
        let reader = try StoreReader(path: path)
        #expect(try reader.summary(of: ReferralID(rawValue: "u-1")!)?.dueDay == due)
        #expect(Self.refusal { _ = try reader.summary(of: ReferralID(rawValue: "u-2")!) }.contains("due_day of referral u-2"))
        #expect(Self.refusal { _ = try reader.openReferrals() }.contains("due_day of referral u-2"))
        let created = CivilDate("2026-11-26")!
        #expect(Self.refusal { _ = try reader.periodGroups(from: created, through: created) }.contains("age_band of the referrals created in"))
        let problems = try reader.verify()
        #expect(problems.contains { $0.hasPrefix("referral u-1:") } && problems.contains { $0.hasPrefix("referral u-2:") }, "\(problems)")
    }

    /// The message of the StoreError `body` throws, or "" when it throws none.
    static func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch let error as StoreError {
            return error.message
        } catch {
            return "not a StoreError: \(error)"
        }
    }

    @Test("a backup taken while another process writes is consistent and verifies")
    func onlineBackup() throws {
        let store = try RouterStore(path: path)
        _ = try store.apply((0..<500).map { .submit(referral("f-\($0)"), dueDay: due) })
        let writer = Thread {
            for batch in 0..<20 {
                _ = try? store.apply((0..<50).map { .submit(referral("g-\(batch)-\($0)"), dueDay: due) })
            }
        }
        writer.start()
        try StoreReader(path: path).backup(to: "\(directory)/backup.sqlite")
        let copy = try StoreReader(path: "\(directory)/backup.sqlite")
        #expect(try copy.verify().isEmpty)
        #expect(try copy.eventCount() >= 500)
        #expect(throws: StoreError.self) { try StoreReader(path: path).backup(to: "\(directory)/backup.sqlite") }
    }

    @Test("group commit in the background keeps the order batches were given")
    func backgroundBatchesInOrder() throws {
        let store = try RouterStore(path: path)
        let item = referral("h-1")
        let destination = AgencyID("saposute.kochi")
        let done = DispatchSemaphore(value: 0)
        let outcomes = OutcomeLog()
        store.applyInBackground([.submit(item, dueDay: due)]) { outcomes.add($0); done.signal() }
        store.applyInBackground([.transition(.accept, item.id, by: destination, detail: nil)]) { outcomes.add($0); done.signal() }
        #expect(done.wait(timeout: .now() + 10) == .success && done.wait(timeout: .now() + 10) == .success)
        #expect(outcomes.states == [.submitted, .accepted])
    }
}

final class OutcomeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [StoreResult] = []

    func add(_ result: Result<[StoreResult], StoreError>) {
        lock.withLock { results += (try? result.get()) ?? [] }
    }

    var states: [HandoffState] {
        lock.withLock {
            results.compactMap { result in
                switch result {
                case .submitted(_, let state, _, _): state
                case .transitioned(_, _, let state, _): state
                default: nil
                }
            }
        }
    }
}
