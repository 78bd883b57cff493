import Foundation
import GRDB

/// Every row of every table of an SQLite file, as text: two snapshots are equal only when nothing
/// in the file changed — referrals, events, pending updates, ledger reports, resend requests, all.
public struct StoreSnapshot: Equatable, CustomStringConvertible {
    public let tables: [String: [String]]

    /// Reads the file read-only (the router may be running; WAL lets a reader in).
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        tables = try queue.read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            var tables: [String: [String]] = [:]
            for name in names {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(name)\"")
                tables[name] = rows.map { row in row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: ", ") }.sorted()
            }
            return tables
        }
    }

    /// The tables whose rows differ from `other`'s, for a failing test's message.
    public func changedTables(since other: StoreSnapshot) -> [String] {
        Set(tables.keys).union(other.tables.keys).filter { tables[$0] != other.tables[$0] }.sorted()
    }

    public var description: String {
        tables.keys.sorted().map { "\($0): \(tables[$0]!.count) rows" }.joined(separator: ", ")
    }
}
