import Foundation
import TsunagiStore

/// `tsunagi store verify` and `tsunagi store backup`.
public enum StoreMaintenance {
    /// The problems found; empty when the store is sound.
    public static func verify(storePath: String) throws -> [String] {
        try StoreReader(path: storePath).verify()
    }

    /// An online, consistent copy (SQLite's backup API), safe while the router writes; the copy is
    /// verified before this returns.
    public static func backup(storePath: String, to destination: String) throws -> [String] {
        try StoreReader(path: storePath).backup(to: destination)
        return try StoreReader(path: destination).verify()
    }
}
