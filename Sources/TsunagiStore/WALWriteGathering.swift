import Foundation
import GRDB
import GRDBSQLite

/// Writes a commit's WAL frames in a few large system calls instead of two per frame.
///
/// SQLite writes each WAL frame as two `pwrite`s, its 24-byte header and then its page, at offsets
/// that straddle the file's 4 KiB pages: a commit of 64 referrals made 98 system calls, each
/// taking the kernel's page-cache path for one or two pages (15 % of the router's CPU under
/// `tsunagi bench`, by `perf`). This VFS is SQLite's own ("unix") except for WAL files, whose
/// contiguous writes it holds in memory and writes out together (124 KiB per call at most) when
/// SQLite syncs the WAL.
/// Any other call on the WAL (read, size, truncate, file control, close) writes what is held
/// first, so SQLite never finds the file different from what it wrote.
///
/// Only a connection that syncs the WAL at every commit may hold its writes (synchronous=FULL):
/// SQLite publishes a commit's frames in the WAL index only after that sync, so no other
/// connection can look for a frame still held here. Nor may it write frames between commits: a
/// transaction whose pages spilled out of the cache and which then rolled back would leave frames
/// held with no sync to come, to be written later over another connection's. So a WAL file
/// writes straight through, as SQLite's own does, until `holdWrites(of:)`, on the router store's
/// writer, has checked that it syncs at every commit and turned its spilling off. GRDB's own
/// set-up (which commits with synchronous=NORMAL), the migrations, the readers and every other
/// connection write straight through.
///
/// Registered as the process's default VFS, so that GRDB opens the store by its plain path;
/// every file is still SQLite's own, in SQLite's own format.
enum WALWriteGathering {
    static let vfsName = "tsunagi-wal"

    /// Registers the VFS as the default (once, at first use); false when SQLite has no VFS to wrap.
    static let isRegistered: Bool = register()

    /// Lets the WAL file of `db` hold each commit's writes until the sync, when the connection
    /// syncs at every commit and the device needs no padding frames (SQLite then syncs in the
    /// middle of a commit's last frame); turns the spilling of pages between commits off. False
    /// when it cannot: the writes then go straight through.
    static func holdWrites(of db: Database) throws -> Bool {
        guard try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 0 >= 2, let connection = db.sqliteConnection,
              let file = walFile(of: connection) else { return false }
        let (inner, methods) = inner(file)
        guard methods.xDeviceCharacteristics!(inner) & SQLITE_IOCAP_POWERSAFE_OVERWRITE != 0 else { return false }
        try db.execute(sql: "PRAGMA cache_spill = OFF")
        held(file).isHolding = true
        return true
    }

    /// The connection's WAL file, when it is open through this VFS.
    private static func walFile(of connection: OpaquePointer) -> UnsafeMutablePointer<sqlite3_file>? {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(connection, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) == SQLITE_OK,
              let file, file.pointee.pMethods == UnsafePointer(walMethods) else { return nil }
        return file
    }

    /// Whether the WAL file of `connection` holds its writes until the sync.
    static func isHoldingWrites(_ connection: OpaquePointer) -> Bool {
        walFile(of: connection).map { held($0).isHolding } ?? false
    }

    /// Held writes past this size go out before the sync (a batch of 64 referrals holds about
    /// 200 KiB); they are past the last published frame until then, as SQLite's own would be.
    static let holdLimit = 1 << 20

    /// Our part of each open file, before SQLite's own file object: the io methods pointer that
    /// SQLite reads, then the writes held for a WAL file.
    private static let headerSize = 16

    private static func register() -> Bool {
        guard let base = sqlite3_vfs_find(nil) else { return false }
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        vfs.initialize(to: base.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(strdup(vfsName))
        vfs.pointee.szOsFile = Int32(headerSize) + base.pointee.szOsFile
        vfs.pointee.pAppData = UnsafeMutableRawPointer(base)
        vfs.pointee.xOpen = { vfs, name, file, flags, outFlags in
            guard let vfs, let file, let base = vfs.pointee.pAppData?.assumingMemoryBound(to: sqlite3_vfs.self) else { return SQLITE_MISUSE }
            guard flags & SQLITE_OPEN_WAL != 0 else {
                // Any other file is SQLite's own, in the same memory, with SQLite's own methods.
                return base.pointee.xOpen!(base, name, file, flags, outFlags)
            }
            let code = base.pointee.xOpen!(base, name, WALWriteGathering.realFile(file), flags, outFlags)
            guard code == SQLITE_OK else {
                file.pointee.pMethods = nil
                return code
            }
            WALWriteGathering.heldSlot(file).pointee = Unmanaged.passRetained(HeldWrites()).toOpaque()
            file.pointee.pMethods = UnsafePointer(WALWriteGathering.walMethods)
            return SQLITE_OK
        }
        return sqlite3_vfs_register(vfs, 1) == SQLITE_OK
    }

    private static func realFile(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<sqlite3_file> {
        (UnsafeMutableRawPointer(file) + headerSize).assumingMemoryBound(to: sqlite3_file.self)
    }

    private static func heldSlot(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        (UnsafeMutableRawPointer(file) + MemoryLayout<UnsafeRawPointer>.size).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    }

    private static func held(_ file: UnsafeMutablePointer<sqlite3_file>) -> HeldWrites {
        Unmanaged<HeldWrites>.fromOpaque(heldSlot(file).pointee!).takeUnretainedValue()
    }

    private static func inner(_ file: UnsafeMutablePointer<sqlite3_file>?) -> (UnsafeMutablePointer<sqlite3_file>, sqlite3_io_methods) {
        let inner = realFile(file!)
        return (inner, inner.pointee.pMethods.pointee)
    }

    /// The most SQLite's own VFS writes in one call: it masks a larger amount with 0x1ffff.
    static let writeLimit = 0x1F000

    /// Writes out what is held for a WAL file: one call for a commit of up to 30 frames, and one
    /// more for each 30 after.
    private static func flush(_ file: UnsafeMutablePointer<sqlite3_file>?) -> Int32 {
        let writes = held(file!)
        guard !writes.bytes.isEmpty else { return SQLITE_OK }
        let (inner, methods) = inner(file)
        let code = writes.bytes.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let amount = min(writeLimit, bytes.count - done)
                let code = methods.xWrite!(inner, bytes.baseAddress! + done, Int32(amount), writes.start + Int64(done))
                guard code == SQLITE_OK else { return code }
                done += amount
            }
            return SQLITE_OK
        }
        writes.bytes.removeAll(keepingCapacity: true)
        return code
    }

    /// Writes out what is held, then calls SQLite's own method.
    private static func afterFlush(_ file: UnsafeMutablePointer<sqlite3_file>?,
                                   _ call: (UnsafeMutablePointer<sqlite3_file>, sqlite3_io_methods) -> Int32) -> Int32 {
        let flushed = flush(file)
        guard flushed == SQLITE_OK else { return flushed }
        let (inner, methods) = inner(file)
        return call(inner, methods)
    }

    nonisolated(unsafe) private static let walMethods: UnsafeMutablePointer<sqlite3_io_methods> = {
        let methods = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        methods.initialize(to: sqlite3_io_methods(
            iVersion: 3,
            xClose: { file in
                let flushed = WALWriteGathering.flush(file)
                let (inner, methods) = WALWriteGathering.inner(file)
                let closed = methods.xClose!(inner)
                Unmanaged<HeldWrites>.fromOpaque(WALWriteGathering.heldSlot(file!).pointee!).release()
                WALWriteGathering.heldSlot(file!).pointee = nil
                return flushed != SQLITE_OK ? flushed : closed
            },
            xRead: { file, buffer, amount, offset in
                WALWriteGathering.afterFlush(file) { $1.xRead!($0, buffer, amount, offset) }
            },
            xWrite: { file, buffer, amount, offset in
                let writes = WALWriteGathering.held(file!)
                guard writes.isHolding else {
                    let (inner, methods) = WALWriteGathering.inner(file)
                    return methods.xWrite!(inner, buffer, amount, offset)
                }
                let count = Int(amount)
                let source = UnsafeRawBufferPointer(start: buffer, count: count)
                let heldEnd = writes.start + Int64(writes.bytes.count)
                if !writes.bytes.isEmpty, offset >= writes.start, offset + Int64(count) <= heldEnd {
                    // Written again before the sync (SQLite rewrites a frame of the same commit).
                    let at = Int(offset - writes.start)
                    writes.bytes.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[at..<at + count]).copyMemory(from: source) }
                    return SQLITE_OK
                }
                if writes.bytes.isEmpty || offset != heldEnd || writes.bytes.count + count > WALWriteGathering.holdLimit {
                    let flushed = WALWriteGathering.flush(file)
                    guard flushed == SQLITE_OK else { return flushed }
                    writes.start = offset
                }
                writes.bytes.append(contentsOf: source)
                return SQLITE_OK
            },
            xTruncate: { file, size in
                WALWriteGathering.afterFlush(file) { $1.xTruncate!($0, size) }
            },
            xSync: { file, flags in
                WALWriteGathering.afterFlush(file) { $1.xSync!($0, flags) }
            },
            xFileSize: { file, size in
                WALWriteGathering.afterFlush(file) { $1.xFileSize!($0, size) }
            },
            xLock: { file, lock in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.xLock!(inner, lock)
            },
            xUnlock: { file, lock in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.xUnlock!(inner, lock)
            },
            xCheckReservedLock: { file, result in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.xCheckReservedLock!(inner, result)
            },
            xFileControl: { file, operation, argument in
                WALWriteGathering.afterFlush(file) { $1.xFileControl!($0, operation, argument) }
            },
            xSectorSize: { file in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.xSectorSize!(inner)
            },
            xDeviceCharacteristics: { file in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.xDeviceCharacteristics!(inner)
            },
            xShmMap: { file, region, size, extend, address in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.iVersion >= 2 ? methods.xShmMap!(inner, region, size, extend, address) : SQLITE_IOERR
            },
            xShmLock: { file, offset, count, flags in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.iVersion >= 2 ? methods.xShmLock!(inner, offset, count, flags) : SQLITE_IOERR
            },
            xShmBarrier: { file in
                let (inner, methods) = WALWriteGathering.inner(file)
                if methods.iVersion >= 2 { methods.xShmBarrier!(inner) }
            },
            xShmUnmap: { file, delete in
                let (inner, methods) = WALWriteGathering.inner(file)
                return methods.iVersion >= 2 ? methods.xShmUnmap!(inner, delete) : SQLITE_OK
            },
            xFetch: { file, offset, amount, pointer in
                // SQLite maps only the database file, never the WAL: read instead.
                pointer?.pointee = nil
                return SQLITE_OK
            },
            xUnfetch: { _, _, _ in SQLITE_OK }))
        return methods
    }()
}

/// A WAL file's contiguous writes not yet written out, from `start`.
private final class HeldWrites {
    /// Off until the connection is known to sync at every commit: writes go straight through.
    var isHolding = false
    var start: Int64 = 0
    var bytes: [UInt8] = []
}
