import Foundation
import TsunagiRuntime
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// The worker's folders under data_dir: outbox/ (staff drop files), sent/, rejected/, inbox/,
/// and the ledger file. Files only move between them; what is deleted is a rejected copy that a
/// fixed file of the same name replaces, and temp files a killed worker left.
public struct WorkerFolders: Sendable {
    public let root: String
    public var outbox: String { path("outbox") }
    public var sent: String { path("sent") }
    public var rejected: String { path("rejected") }
    public var inbox: String { path("inbox") }
    public var ledger: String { path("ledger.sqlite") }

    public init(root: String) { self.root = root }

    func path(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }

    /// Creates the folders (owner-only) and checks each can be written, with a sentence when not;
    /// removes the temp files of writers that are gone.
    public func prepare() throws {
        for folder in [root, outbox, sent, rejected, inbox] {
            try StoreFiles.prepareDirectory(folder)
        }
        removeStaleTemporaryFiles()
    }

    /// Removes the `.NAME.PID.tmp` files a killed worker left in inbox/ and rejected/ (it writes
    /// through them and renames them into place, so one whose writer is gone is never finished).
    /// A temp file whose process still runs is left alone. Returns the paths removed.
    @discardableResult
    public func removeStaleTemporaryFiles() -> [String] {
        var removed: [String] = []
        for folder in [inbox, rejected] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let writer = DurableFiles.temporaryFileWriter(name), writer != getpid() else { continue }
                // kill(pid, 0) probes for the process without signalling it.
                guard kill(writer, 0) != 0, errno == ESRCH else { continue }
                let path = (folder as NSString).appendingPathComponent(name)
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, unlink(path) == 0 else { continue }
                removed.append(path)
            }
        }
        return removed
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
        let temp = (folder as NSString).appendingPathComponent(temporaryName(for: (path as NSString).lastPathComponent))
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = SystemCalls.retryingOnInterrupt { Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written) }.result
                if count < 0 { return false }
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

    /// `.NAME.PID.tmp`, shortened to fit a file name when NAME is long.
    static func temporaryName(for name: String) -> String {
        FileNames.fitting("." + name, suffix: ".\(getpid()).tmp")
    }

    /// The process that writes the temp file `name`, or nil when `name` is not one.
    static func temporaryFileWriter(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let parts = name.dropLast(4).split(separator: ".")
        guard parts.count >= 2, let pid = parts.last.flatMap({ pid_t($0) }), pid > 0 else { return nil }
        return pid
    }

    /// Moves a file into `folder` under its own name, or NAME.1, NAME.2 … when that is taken:
    /// nothing already there is ever overwritten. Returns the new path.
    @discardableResult
    static func move(_ path: String, into folder: String) throws -> String {
        let name = (path as NSString).lastPathComponent
        var target = (folder as NSString).appendingPathComponent(name)
        var suffix = 1
        var info = stat()
        while lstat(target, &info) == 0 {
            target = (folder as NSString).appendingPathComponent(FileNames.fitting(name, suffix: ".\(suffix)"))
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

/// File names within NAME_MAX (255 bytes on Linux), shortened so that they still say which file.
enum FileNames {
    static let maximumBytes = 255

    /// `name + suffix`; when that is longer than a file name may be, `name` is cut at a character
    /// boundary and marked with `~` and a short hash of the whole name, so two long names that
    /// begin alike still get different results.
    static func fitting(_ name: String, suffix: String) -> String {
        guard name.utf8.count + suffix.utf8.count > maximumBytes else { return name + suffix }
        let mark = "~" + hash(Array(name.utf8))
        let room = maximumBytes - suffix.utf8.count - mark.utf8.count
        var prefix = ""
        var used = 0
        for character in name {
            let size = String(character).utf8.count
            if used + size > room { break }
            prefix.append(character)
            used += size
        }
        return prefix + mark + suffix
    }

    /// Eight hex digits of FNV-1a over the bytes: stable from run to run.
    static func hash(_ bytes: [UInt8]) -> String {
        var value: UInt32 = 2_166_136_261
        for byte in bytes {
            value ^= UInt32(byte)
            value = value &* 16_777_619
        }
        return String(value, radix: 16).leftPadded(to: 8)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
