import Foundation
import TsunagiCore

/// Each night's reconcile result, kept as the same JSON `tsunagi reconcile --json` prints, in a folder
/// beside the store: `<store folder>/reconcile/YYYY-MM-DD.json`, one file per reconciled day (a later
/// run for the same day replaces it). The console's 突合 page reads them.
public enum ReconcileRecords {
    public struct Record: Sendable {
        public let result: ReconcileResult
        /// When the run that wrote it finished (the file's modification time).
        public let recordedAt: Date
    }

    public static func directory(forStore storePath: String) -> String {
        ((storePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("reconcile")
    }

    /// Writes `result` whole (a temporary file renamed over the day's file), owner-only like the store.
    @discardableResult
    public static func write(_ result: ReconcileResult, storePath: String) throws -> String {
        let folder = directory(forStore: storePath)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } else if !isDirectory.boolValue {
            throw ReconcileRecordError("\(folder) is not a folder: reconcile keeps its results there")
        }
        let path = (folder as NSString).appendingPathComponent("\(result.day).json")
        let temporary = (folder as NSString).appendingPathComponent(".\(result.day).json.\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary, contents: Data(ReconcileReport.json(result).utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ReconcileRecordError("cannot write the reconcile result into \(folder): check that folder's owner and permissions")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ReconcileRecordError("cannot write the reconcile result \(path): check that folder's owner and permissions")
        }
        return path
    }

    /// The newest `limit` results, newest day first. Only regular files named like a day are read:
    /// a link or anything else in the folder is passed over, never followed. A file that does not
    /// decode is reported by name in `unreadable`.
    public static func load(storePath: String, limit: Int = 14) -> (records: [Record], unreadable: [String]) {
        let folder = directory(forStore: storePath)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".json") && CivilDate(String($0.dropLast(5))) != nil }
            .sorted(by: >)
        var records: [Record] = []
        var unreadable: [String] = []
        for name in names.prefix(limit) {
            let path = (folder as NSString).appendingPathComponent(name)
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            guard let data = FileManager.default.contents(atPath: path),
                  let result = try? JSONDecoder().decode(ReconcileResult.self, from: data) else {
                unreadable.append(name)
                continue
            }
            let modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
            records.append(Record(result: result, recordedAt: modified))
        }
        return (records, unreadable)
    }
}

extension ReconcileResult: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(day: try container.decode(CivilDate.self, forKey: .day),
                  referralsAtRouter: try container.decode(Int.self, forKey: .referralsAtRouter),
                  agenciesReporting: try container.decode([AgencyID].self, forKey: .agenciesReporting),
                  discrepancies: try container.decode([Discrepancy].self, forKey: .discrepancies),
                  counterparts: try container.decode([CounterpartTally].self, forKey: .counterparts))
    }
}

/// The night's result could not be kept beside the store; the sentence says where and why.
public struct ReconcileRecordError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
