import Foundation
import Synchronization
import TsunagiClient
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// What the running daemon tells the agency's commands (`status`, the desk) about itself, in
/// `data_dir/worker-state.json`: written whole (temp file, rename) whenever it changes.
public struct WorkerRuntimeState: Codable, Sendable, Equatable {
    public var pid: Int32
    public var agency: String
    public var startedAt: String
    public var connected: Bool
    /// When `connected` last changed.
    public var since: String
    /// What keeps the connection down, when the socket monitor can tell.
    public var trouble: Trouble?

    public struct Trouble: Codable, Sendable, Equatable {
        public var code: String
        public var japanese: String
        public var english: String
    }

    enum CodingKeys: String, CodingKey {
        case pid, agency, connected, since, trouble
        case startedAt = "started_at"
    }

    public static func fileName() -> String { "worker-state.json" }

    public static func read(from folders: WorkerFolders) -> WorkerRuntimeState? {
        guard let data = FileManager.default.contents(atPath: folders.stateFile) else { return nil }
        return try? JSONDecoder().decode(WorkerRuntimeState.self, from: data)
    }

    /// The trouble in both languages, for staff.
    static func trouble(_ trouble: ConnectionTrouble) -> Trouble {
        let japanese = switch trouble {
        case .unreachable(let endpoint):
            "ルーター（\(endpoint)）に届きません。ネットワークと router_endpoint を確かめ、県の担当者にルーターが動いているか問い合わせてください。"
        case .keyNotAccepted(let status):
            "ルーターがこの機関の鍵を受け付けません（ZAP \(status)）。この機関の公開鍵（.pub）が県のルーターの登録簿にないか、別の機関として登録されています。県の担当者に .pub を送ってください。"
        case .handshakeFailed:
            "ルーターとの暗号化の握手に失敗しました。設定の router_public_key がこのルーターの鍵ではないようです。"
        }
        return Trouble(code: trouble.code, japanese: japanese, english: trouble.description)
    }
}

extension WorkerFolders {
    /// The daemon's state for the agency's commands.
    public var stateFile: String { (root as NSString).appendingPathComponent(WorkerRuntimeState.fileName()) }
    /// Held (flock) by the running daemon: a second daemon on the same data_dir refuses to start,
    /// and `status` tells whether one runs.
    public var lockFile: String { (root as NSString).appendingPathComponent("worker.lock") }

    /// True when the folder is shared with the agency's staff group (data_dir is group-writable,
    /// as the systemd units make it: StateDirectoryMode=2770): files the daemon writes are then
    /// group-readable, and staff may drop files into outbox/.
    var sharedWithGroup: Bool {
        var info = stat()
        return stat(root, &info) == 0 && info.st_mode & 0o020 != 0
    }
}

/// The daemon's hold on its data_dir: an exclusive flock on `worker.lock`, kept until exit.
final class DataDirectoryLock: Sendable {
    let descriptor: Int32

    /// Takes the lock or says who holds it.
    init(folders: WorkerFolders) throws(StaffSentence) {
        let mode: mode_t = folders.sharedWithGroup ? 0o640 : 0o600
        let fd = open(folders.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw StaffSentence("\(folders.lockFile) を開けません（\(reason)）。data_dir の持ち主と権限を確かめてください。",
                                "cannot open \(folders.lockFile) (\(reason)): check data_dir's owner and permissions.")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            let pid = WorkerRuntimeState.read(from: folders)?.pid
            throw StaffSentence(
                "この設定の data_dir（\(folders.root)）では別のワーカーがすでに動いています\(pid.map { "（pid \($0)）" } ?? "")。同じ設定で二つ動かすことはできません。",
                "another worker already runs on this config's data_dir (\(folders.root))\(pid.map { " (pid \($0))" } ?? ""): one worker per config.")
        }
        // `status`, run by staff, opens it to see whether it is held: follow the folder's sharing.
        fchmod(fd, mode)
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Whether a daemon holds the lock now (for `status`): tries to take it and lets go at once.
    static func isHeld(folders: WorkerFolders) -> Bool {
        let fd = open(folders.lockFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}

/// Keeps `worker-state.json` in step with the connection.
final class WorkerStateWriter: Sendable {
    private let folders: WorkerFolders
    private let state: Mutex<WorkerRuntimeState>

    init(folders: WorkerFolders, agency: String) {
        self.folders = folders
        let now = Timestamps.iso(Date())
        state = Mutex(WorkerRuntimeState(pid: getpid(), agency: agency, startedAt: now, connected: false, since: now, trouble: nil))
    }

    var snapshot: WorkerRuntimeState { state.withLock { $0 } }

    func write() {
        let snapshot = self.snapshot
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(snapshot) else { return }
        try? DurableFiles.write(data, to: folders.stateFile, mode: folders.sharedWithGroup ? 0o640 : 0o600, durable: false)
    }

    func connected(_ connected: Bool) {
        let changed = state.withLock { state -> Bool in
            guard state.connected != connected else { return false }
            state.connected = connected
            state.since = Timestamps.iso(Date())
            if connected { state.trouble = nil }
            return true
        }
        if changed { write() }
    }

    func trouble(_ trouble: ConnectionTrouble?) {
        let value = trouble.map(WorkerRuntimeState.trouble)
        let changed = state.withLock { state -> Bool in
            guard state.trouble != value else { return false }
            state.trouble = value
            return true
        }
        if changed { write() }
    }

    /// The daemon stopped: the file says so (not connected) until the next start.
    func stopped() {
        connected(false)
    }
}
