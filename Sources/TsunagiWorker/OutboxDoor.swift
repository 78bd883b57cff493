import Foundation
import Logging
import TsunagiRuntime
#if canImport(Glibc)
import Glibc
#endif

/// The outbox is a door into the agency's network: it takes only regular files placed in it.
/// A link is never followed (O_NOFOLLOW, lstat, and the opened file checked to be the one looked
/// at); a link, FIFO, socket, device or folder, a file with another name elsewhere (a hard link)
/// or a name that is not UTF-8 is moved to rejected/ unread, beside a `.error` sentence.
public struct OutboxDoor: Sendable {
    public let folders: WorkerFolders
    /// Larger files are refused unread: a referral file is a few kilobytes.
    static let largestFile = 32 * 1024 * 1024

    public init(folders: WorkerFolders) { self.folders = folders }

    public enum Opened {
        /// The file's bytes and its modification time.
        case file(Data, modified: Date)
        /// Not a file the outbox takes; it stays unread.
        case refused(RejectionReason)
        /// Gone, or changed while it was being opened: the next scan looks again.
        case gone
    }

    /// Reads `name` from the outbox if it is a regular file there, and only then.
    public func open(_ name: String) -> Opened {
        let folder = Glibc.open(folders.outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return .gone }
        defer { close(folder) }
        var seen = stat()
        guard fstatat(folder, name, &seen, AT_SYMLINK_NOFOLLOW) == 0 else { return .gone }
        if let refusal = Self.refusal(mode: seen.st_mode) { return .refused(refusal) }
        // O_NONBLOCK: should the name become a FIFO after the lstat, opening it does not wait for a writer.
        let fd = openat(folder, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if fd < 0 {
            let failure = errno
            switch failure {
            case ENOENT: return .gone
            case ELOOP: return .refused(Self.refusal(mode: S_IFLNK)!)
            default:
                let reason = String(cString: strerror(failure))
                return .refused(RejectionReason(
                    japanese: "ワーカーがこのファイルを開けません（\(reason)）。ワーカーのグループが読めるようにして置き直してください。",
                    english: "the worker cannot open this file (\(reason)): make it readable by the worker's group and drop it again",
                    unread: true))
            }
        }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_dev == seen.st_dev, opened.st_ino == seen.st_ino,
              (opened.st_mode & S_IFMT) == S_IFREG
        else { return .gone }
        guard opened.st_nlink == 1 else {
            return .refused(RejectionReason(
                japanese: "このファイルにはほかの場所にも名前があります（ハードリンク）。outbox はここに置かれたファイルしか受け取りません。リンクではなくコピーを置いてください。",
                english: "this file has another name elsewhere (a hard link): the outbox takes only files placed in it; put a copy here, not a link",
                unread: true))
        }
        guard opened.st_size <= Self.largestFile else {
            return .refused(RejectionReason(
                japanese: "ファイルが大きすぎます（\(opened.st_size) バイト）。紹介のファイルは \(Self.largestFile / 1024 / 1024) MiB までです。分けて置いてください。",
                english: "the file is too large (\(opened.st_size) bytes): an outbox file is at most \(Self.largestFile / 1024 / 1024) MiB; split it",
                unread: true))
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // A regular file does not answer EAGAIN; should one (a lock) do so, it is read at the
            // next scan, like any other failed read, rather than spun on.
            let count = SystemCalls.retryingOnInterrupt { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }.result
            guard count >= 0 else { return .gone }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= Self.largestFile else { return .gone }
        }
        let modified = Date(timeIntervalSince1970: Double(opened.st_mtim.tv_sec) + Double(opened.st_mtim.tv_nsec) / 1e9)
        return .file(data, modified: modified)
    }

    /// The sentence for an outbox entry of a type the outbox does not take; nil for a regular file.
    static func refusal(mode: mode_t) -> RejectionReason? {
        let (japanese, english): (String, String)
        switch mode & S_IFMT {
        case S_IFREG:
            return nil
        case S_IFLNK:
            (japanese, english) = ("これはシンボリックリンク（ほかの場所にあるファイルへの参照）です。outbox はここに置かれた通常のファイルしか受け取らず、リンク先は読みません。ファイルそのものをコピーして置いてください。",
                                   "this is a symbolic link: the outbox takes only regular files placed in it and never follows a link (it was not read); copy the file itself into the outbox")
        case S_IFDIR:
            (japanese, english) = ("これはフォルダです。outbox はファイルしか受け取りません。中のファイルを一つずつ outbox に置いてください。",
                                   "this is a folder: the outbox takes only files; put the files in it into the outbox one by one")
        case S_IFIFO:
            (japanese, english) = ("これは名前付きパイプ（FIFO）です。outbox は通常のファイルしか受け取りません（読んでいません）。ファイルとして保存して置いてください。",
                                   "this is a named pipe (FIFO): the outbox takes only regular files (it was not read); save the referral as a file")
        case S_IFSOCK:
            (japanese, english) = ("これはソケットです。outbox は通常のファイルしか受け取りません。ファイルとして保存して置いてください。",
                                   "this is a socket: the outbox takes only regular files; save the referral as a file")
        default:
            (japanese, english) = ("これはデバイスファイルです。outbox は通常のファイルしか受け取りません（読んでいません）。ファイルとして保存して置いてください。",
                                   "this is a device file: the outbox takes only regular files (it was not read); save the referral as a file")
        }
        return RejectionReason(japanese: japanese, english: english, unread: true)
    }

    // MARK: Moving files out of the outbox

    /// The `.error` file's name for a rejected file: NAME.error, shortened (and marked) when
    /// that would be longer than a file name may be.
    public static func errorFileName(for name: String) -> String { FileNames.fitting(name, suffix: ".error") }

    /// Moves `name` (as it is: a link stays a link, unread) to rejected/ and writes why beside it.
    /// An earlier rejected copy of the same name and its `.error` are replaced.
    public func reject(_ name: String, reason: RejectionReason) throws {
        try move(Self.cString(Array(name.utf8)), shownAs: name, to: name, reason: reason)
    }

    /// Moves an entry whose name is not UTF-8 to rejected/ under a safe name, with a sentence.
    func rejectUnreadableName(_ raw: [UInt8], typeRefusal: RejectionReason?) throws {
        let lossy = String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\u{FFFD}", with: "_")
            .replacingOccurrences(of: "/", with: "_")
        let safe = FileNames.fitting("renamed-\(FileNames.hash(raw))-\(lossy)", suffix: "")
        let hex = raw.prefix(60).map { String(format: "%02X", $0) }.joined(separator: " ") + (raw.count > 60 ? " …" : "")
        let shiftJIS = String(data: Data(raw), encoding: .shiftJIS)
        var problems = [FileProblem(.file,
            japanese: "ファイル名が UTF-8 ではないため、「\(safe)」という名前で rejected/ に移しました（読んでいません）。元の名前のバイト列: \(hex)"
                + (shiftJIS.map { "（Shift_JIS として読むと「\($0)」）" } ?? "") + "。ふつうの名前（UTF-8）を付けて置き直してください。",
            english: "the file's name is not UTF-8, so it was moved to rejected/ as \(safe), unread; its name's bytes: \(hex)"
                + (shiftJIS.map { " (as Shift_JIS: \($0))" } ?? "") + ". Give it a UTF-8 name and drop it again")]
        problems += typeRefusal?.problems ?? []
        try move(Self.cString(raw), shownAs: safe, to: safe, reason: RejectionReason(problems, unread: true))
    }

    /// Moves a taken file to sent/; an earlier rejection of the same name is now settled and goes.
    @discardableResult
    public func markSent(_ name: String) throws -> String {
        let moved = try DurableFiles.move((folders.outbox as NSString).appendingPathComponent(name), into: folders.sent)
        removeRejection(of: name)
        DurableFiles.syncFolder(folders.rejected)
        return moved
    }

    /// Removes rejected/NAME and its `.error` (not a folder: a folder is never deleted).
    func removeRejection(of name: String) {
        let copy = (folders.rejected as NSString).appendingPathComponent(name)
        var info = stat()
        if lstat(copy, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR { unlink(copy) }
        unlink((folders.rejected as NSString).appendingPathComponent(Self.errorFileName(for: name)))
    }

    private func move(_ source: [CChar], shownAs shown: String, to wanted: String, reason: RejectionReason) throws {
        removeRejection(of: wanted)
        var target = wanted
        var suffix = 1
        var info = stat()
        // A folder of that name stays; this one goes beside it.
        while lstat((folders.rejected as NSString).appendingPathComponent(target), &info) == 0 {
            target = FileNames.fitting(wanted, suffix: ".\(suffix)")
            suffix += 1
        }
        let outbox = Glibc.open(folders.outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let rejected = Glibc.open(folders.rejected, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer {
            if outbox >= 0 { close(outbox) }
            if rejected >= 0 { close(rejected) }
        }
        guard outbox >= 0, rejected >= 0, renameat(outbox, source, rejected, target) == 0 else {
            throw DurableFiles.Failure(description: "cannot move \(shown) from the outbox to rejected/: \(String(cString: strerror(errno)))")
        }
        try DurableFiles.write(Data(reason.errorFileText(for: shown).utf8),
                               to: (folders.rejected as NSString).appendingPathComponent(Self.errorFileName(for: target)),
                               mode: folders.sharedWithGroup ? 0o640 : 0o600)
        fsync(outbox)
    }

    static func cString(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    // MARK: What waits

    /// A hidden or `*.tmp` file in the outbox: being written, or left by a copy that never finished.
    public struct WaitingFile: Sendable, Equatable {
        public let name: String
        public let size: Int64
        public let modified: Date
    }

    /// The outbox's hidden and `*.tmp` files, which the worker leaves alone, for `status` to show.
    public func waitingFiles() -> [WaitingFile] {
        Self.entries(of: folders.outbox).compactMap { raw -> WaitingFile? in
            let name = String(decoding: raw, as: UTF8.self)
            guard name.hasPrefix(".") || name.hasSuffix(".tmp") else { return nil }
            var info = stat()
            guard fstatat(AT_FDCWD, (folders.outbox as NSString).appendingPathComponent(name), &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                return WaitingFile(name: name, size: 0, modified: Date(timeIntervalSince1970: 0))
            }
            return WaitingFile(name: name, size: Int64(info.st_size),
                               modified: Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec)))
        }.sorted { $0.name < $1.name }
    }

    /// A folder's entries as the bytes of their names ("." and ".." left out).
    static func entries(of folder: String) -> [[UInt8]] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [46] || name == [46, 46] { continue }
            names.append(name)
        }
        return names
    }
}

/// Finds outbox files that are finished: not hidden, not `*.tmp`, and the same size and
/// modification time on two scans in a row, so a file still being written is never picked up.
/// What the outbox does not take is refused at once.
public struct OutboxScanner: Sendable {
    public let folders: WorkerFolders
    let logger: Logger?
    private var lastSeen: [String: Signature] = [:]

    struct Signature: Equatable, Sendable {
        let size: Int64
        let modified: Int64
    }

    public init(folders: WorkerFolders, logger: Logger? = nil) {
        self.folders = folders
        self.logger = logger
    }

    /// The names of regular files ready to be read, in name order. Links, FIFOs, sockets,
    /// devices, folders and names that are not UTF-8 are moved to rejected/ with a sentence.
    public mutating func readyFiles() -> [String] {
        let door = OutboxDoor(folders: folders)
        var seen: [String: Signature] = [:]
        var ready: [String] = []
        for raw in OutboxDoor.entries(of: folders.outbox) {
            var info = stat()
            guard fstatat(AT_FDCWD, OutboxDoor.cString(Array(folders.outbox.utf8) + [UInt8(ascii: "/")] + raw), &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            guard let name = String(validating: raw, as: UTF8.self) else {
                refuse { try door.rejectUnreadableName(raw, typeRefusal: OutboxDoor.refusal(mode: info.st_mode)) }
                continue
            }
            if name.hasPrefix(".") || name.hasSuffix(".tmp") { continue }
            if let refusal = OutboxDoor.refusal(mode: info.st_mode) {
                refuse { try door.reject(name, reason: refusal) }
                continue
            }
            let signature = Signature(
                size: Int64(info.st_size),
                modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
            if lastSeen[name] == signature { ready.append(name) }
            seen[name] = signature
        }
        lastSeen = seen
        return ready.sorted()
    }

    private func refuse(_ move: () throws -> Void) {
        do {
            try move()
            logger?.warning("an outbox entry that is not a regular file (or has no UTF-8 name) was refused; the reason is beside it in rejected/")
        } catch {
            logger?.error("cannot move a refused outbox entry to rejected/", metadata: ["error": "\(error)"])
        }
    }
}
