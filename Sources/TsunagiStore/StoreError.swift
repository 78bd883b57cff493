import Foundation
import GRDB

/// A store that cannot be opened or written, or a row in it that cannot be read. The router
/// answers `store-unavailable` and acknowledges nothing while this lasts.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// Whether a failed write may have reached the disk all the same. A failed fsync does not undo
    /// a WAL commit: its frames can stay in `-wal` with a valid commit marker and be replayed at
    /// the next open. Only an error SQLite raises before the commit frame is complete (disk full,
    /// read-only, busy) is known to have left nothing behind.
    public let outcomeUnknown: Bool

    public init(_ message: String, outcomeUnknown: Bool = false) {
        self.message = message
        self.outcomeUnknown = outcomeUnknown
    }

    public var description: String { message }

    /// Classifies a failed write transaction.
    static func writeFailed(_ error: any Error) -> StoreError {
        guard let error = error as? DatabaseError else {
            if let error = error as? StoreError { return error }
            return StoreError("the store refused the write: \(error)", outcomeUnknown: true)
        }
        let text = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_FULL:
            return StoreError("the store's disk is full: \(text)")
        case .SQLITE_READONLY:
            return StoreError("the store is read-only: \(text)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError("the store is busy: \(text)")
        default:
            return StoreError("the store could not complete the write (\(error.extendedResultCode)): \(text)", outcomeUnknown: true)
        }
    }
}
