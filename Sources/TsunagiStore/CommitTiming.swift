import GRDB

/// Times each COMMIT on the store's writer: from SQLite's commit hook (the transaction's changes
/// are about to be written) until the commit returned — the WAL append and its fsync. It
/// observes no row changes, so it costs nothing per statement.
final class CommitTimer: TransactionObserver, @unchecked Sendable {
    // Touched only on the writer's queue, one transaction at a time.
    private var started: ContinuousClock.Instant?
    private let record: @Sendable (Duration) -> Void

    init(_ record: @escaping @Sendable (Duration) -> Void) { self.record = record }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws { started = .now }

    func databaseDidCommit(_ db: Database) {
        if let started { record(.now - started) }
        started = nil
    }

    func databaseDidRollback(_ db: Database) { started = nil }
}

extension RouterStore {
    /// Calls `record` with the duration of every commit this store makes from now on (for the
    /// router's fsync histogram).
    public func observeCommitDurations(_ record: @escaping @Sendable (Duration) -> Void) {
        pool.writeWithoutTransaction { db in
            db.add(transactionObserver: CommitTimer(record), extent: .databaseLifetime)
        }
    }
}
