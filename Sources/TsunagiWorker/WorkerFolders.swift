import Foundation
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// The worker's folders under data_dir: outbox/ (staff drop files), sent/, rejected/, inbox/,
/// and the ledger file. Nothing in them is ever deleted; files only move.
public struct WorkerFolders: Sendable {
    public let root: String
    public var outbox: String { path("outbox") }
    public var sent: String { path("sent") }
    public var rejected: String { path("rejected") }
    public var inbox: String { path("inbox") }
    public var ledger: String { path("ledger.sqlite") }

    public init(root: String) { self.root = root }

    func path(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }

    /// Creates the folders (owner-only) and checks each can be written, with a sentence when not.
    public func prepare() throws {
        for folder in [root, outbox, sent, rejected, inbox] {
            try StoreFiles.prepareDirectory(folder)
        }
    }

    public func inboxFile(for id: String) -> String { (inbox as NSString).appendingPathComponent("\(id).json") }
}

/// File moves and writes that survive a crash at any point: a file is either whole or absent.
enum DurableFiles {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes through a hidden temp file in the same folder, fsyncs it, renames it into place and
    /// fsyncs the folder. With `durable: false` it skips both fsyncs (the caller holds the data
    /// durably elsewhere) but is still whole-or-absent.
    static func write(_ data: Data, to path: String, mode: mode_t = 0o600, durable: Bool = true) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let temp = (folder as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).tmp")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 { if errno == EINTR { continue }; return false }
                written += count
            }
            return !durable || fsync(fd) == 0
        }
        close(fd)
        guard ok else {
            unlink(temp)
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else {
            throw Failure(description: "cannot move \(temp) to \(path): \(String(cString: strerror(errno)))")
        }
        if durable { syncFolder(folder) }
    }

    /// Moves a file into `folder` under its own name, or NAME.1, NAME.2 … when that is taken:
    /// nothing already there is ever overwritten. Returns the new path.
    @discardableResult
    static func move(_ path: String, into folder: String) throws -> String {
        let name = (path as NSString).lastPathComponent
        var target = (folder as NSString).appendingPathComponent(name)
        var suffix = 1
        while FileManager.default.fileExists(atPath: target) {
            target = (folder as NSString).appendingPathComponent("\(name).\(suffix)")
            suffix += 1
        }
        guard rename(path, target) == 0 else {
            throw Failure(description: "cannot move \(path) to \(folder): \(String(cString: strerror(errno)))")
        }
        syncFolder(folder)
        syncFolder((path as NSString).deletingLastPathComponent)
        return target
    }

    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// Finds outbox files that are finished: not hidden, not `*.tmp`, and the same size and
/// modification time on two scans in a row. A file still being written is never picked up.
public struct OutboxScanner: Sendable {
    public let folder: String
    private var lastSeen: [String: Signature] = [:]

    struct Signature: Equatable, Sendable {
        let size: Int64
        let modified: Int64
    }

    public init(folder: String) { self.folder = folder }

    /// The names of files ready to be read, in name order.
    public mutating func readyFiles() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var seen: [String: Signature] = [:]
        var ready: [String] = []
        for name in names where !name.hasPrefix(".") && !name.hasSuffix(".tmp") {
            var info = stat()
            let path = (folder as NSString).appendingPathComponent(name)
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let signature = Signature(
                size: Int64(info.st_size),
                modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
            if lastSeen[name] == signature { ready.append(name) }
            seen[name] = signature
        }
        lastSeen = seen
        return ready.sorted()
    }
}
