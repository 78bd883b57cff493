import Foundation
import HummingbirdBcrypt
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A refusal from the user file or its commands, with a stable code and a sentence in each language.
public struct WebUserError: Error, CustomStringConvertible, Equatable {
    public let code: String
    public let japanese: String
    public let english: String

    public init(_ code: String, _ japanese: String, _ english: String) {
        self.code = code
        self.japanese = japanese
        self.english = english
    }

    public var description: String { japanese }
    public func message(_ language: WebLanguage) -> String { language.pick(japanese, english) }
}

/// The staff accounts of one web site: a text file of `name:bcrypt-hash` lines, owner-only (0600),
/// written whole to a temporary file and renamed so a reader never sees half a file. The running
/// site reads it again whenever it changes, so `user add` and `user remove` take effect at once.
public final class UserFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let hash: String
    }

    public let path: String
    /// bcrypt's cost for new hashes: 2^cost rounds.
    public let cost: UInt8
    public static let minimumPasswordLength = 8
    public static let maximumPasswordLength = 72  // bcrypt reads no further
    private let cache = Mutex<Cached?>(nil)

    private struct Cached {
        var stamp: FileStamp
        var entries: [Entry]
    }

    private struct FileStamp: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int
        var modifiedNanoseconds: Int
    }

    public init(path: String, cost: UInt8 = 10) {
        self.path = path
        self.cost = cost
    }

    // MARK: Names and passwords

    /// Names: 1 to 64 letters (any script), digits, `.`, `_` or `-`, so that a name reads the same in a
    /// log line, an event and this file.
    public static func checkName(_ name: String) throws {
        let allowed = CharacterSet.letters.union(.decimalDigits).union(CharacterSet(charactersIn: "._-"))
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw WebUserError(
                "user.name", "利用者名「\(name)」は使えません。文字・数字・「.」「_」「-」で 1〜64 文字にしてください。",
                "The user name '\(name)' cannot be used: write 1 to 64 letters, digits, '.', '_' or '-'.")
        }
    }

    public static func checkPassword(_ password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw WebUserError(
                "user.password-short", "パスワードが短すぎます。\(minimumPasswordLength) 文字以上にしてください。",
                "The password is too short: use at least \(minimumPasswordLength) characters.")
        }
        guard password.utf8.count <= maximumPasswordLength else {
            throw WebUserError(
                "user.password-long", "パスワードが長すぎます。\(maximumPasswordLength) バイト以内にしてください。",
                "The password is too long: use at most \(maximumPasswordLength) bytes.")
        }
    }

    // MARK: Reading

    /// The accounts, read again only when the file changed. A missing file has no accounts.
    public func entries() throws -> [Entry] {
        guard let stamp = try stampOfFile() else { return [] }
        if let cached = cache.withLock({ $0 }), cached.stamp == stamp { return cached.entries }
        let entries = try parse(String(contentsOfFile: path, encoding: .utf8))
        cache.withLock { $0 = Cached(stamp: stamp, entries: entries) }
        return entries
    }

    public func names() throws -> [String] {
        try entries().map(\.name)
    }

    public func contains(_ name: String) -> Bool {
        ((try? entries()) ?? []).contains { $0.name == name }
    }

    /// Checks a password on a thread of its own (bcrypt takes tens of milliseconds on purpose and
    /// must not hold the server's threads). An unknown name costs the same as a wrong password.
    public func verify(name: String, password: String) async -> Bool {
        let hash = ((try? entries()) ?? []).first { $0.name == name }?.hash
        let candidate = hash ?? Self.decoyHash
        let matches = await Self.onOwnThread {
            password.utf8.count <= Self.maximumPasswordLength && Bcrypt.verify(password, hash: candidate)
        }
        return matches && hash != nil
    }

    private static let decoyHash = Bcrypt.hash("a password nobody has", cost: 10)

    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "tsunagi-bcrypt"
            thread.start()
        }
    }

    private func parse(_ text: String) throws -> [Entry] {
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw WebUserError(
                    "user.file-line", "\(path) の \(index + 1) 行目が「名前:ハッシュ」の形ではありません。",
                    "\(path) line \(index + 1) is not 'name:hash'.")
            }
            entries.append(Entry(name: String(line[..<colon]), hash: String(line[line.index(after: colon)...])))
        }
        return entries
    }

    private func stampOfFile() throws -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw WebUserError("user.file-unreadable", "利用者ファイル \(path) を読めません（\(String(cString: strerror(errno)))）。",
                               "Cannot read the user file \(path): \(String(cString: strerror(errno))).")
        }
        // Someone else able to write the file could add themselves.
        if info.st_mode & 0o022 != 0 {
            throw WebUserError(
                "user.file-mode", "利用者ファイル \(path) を所有者以外も書き換えられます。chmod 600 \(path) としてください。",
                "The user file \(path) is writable by others than its owner: run chmod 600 \(path).")
        }
        return FileStamp(inode: UInt64(info.st_ino), size: Int64(info.st_size),
                         modified: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
    }

    // MARK: The user commands

    /// Adds an account, or with `replace` sets a new password for an existing one.
    public func add(name: String, password: String, replace: Bool = false) throws {
        try Self.checkName(name)
        try Self.checkPassword(password)
        var entries = try entries()
        if let index = entries.firstIndex(where: { $0.name == name }) {
            guard replace else {
                throw WebUserError(
                    "user.exists", "利用者「\(name)」はすでにいます。パスワードを変えるときは --replace を付けてください。",
                    "The user '\(name)' already exists; add --replace to set a new password.")
            }
            entries.remove(at: index)
        }
        entries.append(Entry(name: name, hash: Bcrypt.hash(password, cost: cost)))
        try write(entries)
    }

    public func remove(name: String) throws {
        var entries = try entries()
        guard let index = entries.firstIndex(where: { $0.name == name }) else {
            throw WebUserError("user.unknown", "利用者「\(name)」はいません。", "There is no user '\(name)'.")
        }
        entries.remove(at: index)
        try write(entries)
    }

    private func write(_ entries: [Entry]) throws {
        var text = "# Tsunagi web users: name:bcrypt-hash. Change with `desk user add/remove`.\n"
        for entry in entries { text += "\(entry.name):\(entry.hash)\n" }
        let folder = (path as NSString).deletingLastPathComponent
        // The first account may come before the worker has made its data folder.
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let temporary = (folder.isEmpty ? "." : folder) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw writeError() }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0, rename(temporary, path) == 0 else {
            let error = writeError()
            unlink(temporary)
            throw error
        }
        let folderFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
        cache.withLock { $0 = nil }
    }

    private func writeError() -> WebUserError {
        let reason = String(cString: strerror(errno))
        return WebUserError("user.file-write", "利用者ファイル \(path) に書けません（\(reason)）。",
                            "Cannot write the user file \(path): \(reason).")
    }

    // MARK: Reading a password

    /// Reads a password from standard input: one line, without echo when it is a terminal (a prompt
    /// then goes to standard error), the whole input up to the first line break otherwise.
    public static func readPassword(prompt: String, from fd: Int32 = STDIN_FILENO) throws -> String {
        let terminal = isatty(fd) == 1
        var saved = termios()
        if terminal {
            FileHandle.standardError.write(Data(prompt.utf8))
            tcgetattr(fd, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(fd, TCSANOW, &quiet)
        }
        defer {
            if terminal {
                tcsetattr(fd, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
            if bytes.count > 4096 { break }
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard let password = String(validating: bytes, as: UTF8.self) else {
            throw WebUserError("user.password-encoding", "パスワードを UTF-8 として読めません。",
                               "The password is not UTF-8.")
        }
        try checkPassword(password)
        return password
    }
}
