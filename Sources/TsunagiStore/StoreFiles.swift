import Foundation
import GRDB

/// File-level care of SQLite stores: owner-only permissions and online backups.
public enum StoreFiles {
    /// Creates the folder (mode 0700) when missing; fails with a sentence when it cannot be written.
    public static func prepareDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError("cannot create the data folder \(directory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw StoreError("\(directory) is not a folder")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw StoreError("the data folder \(directory) is not writable by this user")
        }
    }

    /// Makes the database and its WAL companions readable by the owner only.
    public static func restrictToOwner(_ path: String) {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            chmod(file, 0o600)
        }
    }

    /// Copies a live database with SQLite's online backup API: consistent, without stopping writers.
    public static func backup(from source: some DatabaseReader, to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError("\(destination) exists already: choose a new file for the backup")
        }
        let directory = (destination as NSString).deletingLastPathComponent
        try prepareDirectory(directory.isEmpty ? "." : directory)
        let copy = try DatabaseQueue(path: destination)
        try source.backup(to: copy)
        try copy.close()
        restrictToOwner(destination)
    }

    /// Opens an existing store for reading only; the CLI uses this while the router runs.
    public static func openReadOnly(_ path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no store at \(path): check the path, or run the router once to create it")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError("cannot open the store at \(path) for reading: \(error)")
        }
    }
}
