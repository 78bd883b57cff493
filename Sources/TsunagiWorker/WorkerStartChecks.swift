import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TsunagiCore
import TsunagiRuntime

/// What must be right before a worker runs for an agency, each said so the operator can fix it.
enum WorkerStartChecks {
    /// The registry's entry for the config's agency, when a registry is configured; refuses an
    /// agency the registry does not list and an agency of another kind than this executable's.
    static func agency(_ config: WorkerConfig, profile: AgencyProfile, registry: AgencyRegistry?) throws(StaffSentence) -> Agency? {
        let kind: String
        let entry = registry?[config.agency]
        if let registry {
            guard let entry else {
                let hint = registry.sorted.map(\.id.rawValue)
                    .filter { editDistance($0, config.agency.rawValue) <= 3 }.joined(separator: ", ")
                throw StaffSentence(
                    "agency = \"\(config.agency)\" は登録簿 \(config.registryPath ?? "") にありません。綴りを確かめてください\(hint.isEmpty ? "" : "（近いもの: \(hint)）")。",
                    "agency = \"\(config.agency)\" is not in the registry \(config.registryPath ?? ""): check its spelling\(hint.isEmpty ? "" : " (similar: \(hint))").")
            }
            kind = entry.kind
        } else {
            kind = config.agency.kind
        }
        guard kind == profile.kind else {
            let name = entry.map { "（\($0.name)）" } ?? ""
            throw StaffSentence(
                "\(config.agency)\(name) は種別 \(kind) の機関です。この tsunagi-\(profile.kind) ではなく tsunagi-\(kind) で動かしてください。",
                "\(config.agency) is an agency of kind \(kind): run it with tsunagi-\(kind), not tsunagi-\(profile.kind).")
        }
        return entry
    }

    /// data_dir must exist: a typo must not start a new, empty spool beside the real one. The
    /// worker makes the folders inside it (outbox/, inbox/, …) and the ledger on its first run.
    static func dataDirectory(_ config: WorkerConfig) throws(StaffSentence) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.dataDirectory, isDirectory: &isDirectory) else {
            throw StaffSentence(
                "data_dir = \"\(config.dataDirectory)\" がありません。綴りを確かめてください。新しく始めるときは、そのフォルダーを作ってから起動してください（systemd の StateDirectory= が作ります）。",
                "data_dir = \"\(config.dataDirectory)\" does not exist: check its spelling; to start afresh, create the folder first (systemd's StateDirectory= does).")
        }
        guard isDirectory.boolValue else {
            throw StaffSentence("data_dir = \"\(config.dataDirectory)\" はフォルダーではありません。",
                                "data_dir = \"\(config.dataDirectory)\" is not a folder.")
        }
    }

    /// When data_dir is shared with the staff group (group bits set, as StateDirectoryMode=2770
    /// makes it), staff may drop files into outbox/ and clear rejected/, and read inbox/ and sent/;
    /// setgid keeps every file in the group. Otherwise the folders stay owner-only.
    static func shareWithStaff(_ folders: WorkerFolders) {
        guard folders.sharedWithGroup else { return }
        for (folder, mode) in [(folders.outbox, 0o2770), (folders.rejected, 0o2770), (folders.inbox, 0o2750), (folders.sent, 0o2750)] {
            chmod(folder, mode_t(mode))
        }
    }

    /// Levenshtein distance, to suggest the id a typo meant.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
