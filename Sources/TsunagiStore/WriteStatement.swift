import GRDB
import GRDBSQLite

/// A statement of the submit path, prepared once per connection (GRDB's statement cache) and
/// bound with `sqlite3_bind_*` directly. GRDB's `StatementArguments` box every value in an
/// existential and look the statement up by its SQL text on each use: about a quarter of the
/// store's time per referral before this.
struct WriteStatement {
    private let handle: SQLiteStatement
    private let connection: SQLiteConnection?

    init(_ db: Database, sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bind(index, utf8: UnsafeRawBufferPointer($0), asText: true) }
    }

    func bind(_ index: Int32, blob bytes: [UInt8]) {
        bytes.withUnsafeBytes { bind(index, utf8: $0, asText: false) }
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, optional text: String?) {
        if let text { bind(index, text) } else { sqlite3_bind_null(handle, index) }
    }

    /// An empty value is bound as an empty text or blob, never as NULL (a nil base address would be).
    private func bind(_ index: Int32, utf8 bytes: UnsafeRawBufferPointer, asText: Bool) {
        if bytes.isEmpty {
            if asText { sqlite3_bind_text(handle, index, "", 0, nil) } else { sqlite3_bind_zeroblob(handle, index, 0) }
        } else if asText {
            sqlite3_bind_text(handle, index, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count), sqliteTransient)
        } else {
            sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), sqliteTransient)
        }
    }

    /// Runs the statement to its end and resets it; an SQLite error throws as GRDB's would, so the
    /// store classifies it the same way (disk full, read-only, outcome unknown).
    func execute() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        sqlite3_reset(handle)
    }
}

/// SQLite copies a value bound with this destructor, so the Swift buffer may go right after binding.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
