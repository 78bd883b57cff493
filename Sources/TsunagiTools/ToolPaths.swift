import Foundation
import TsunagiCore
import TsunagiRouter
import TsunagiRuntime

/// Where the coordinator tools find the store and the registry: explicit options win, then the
/// router's config, then the installed defaults.
public struct ToolPaths: Sendable, Equatable {
    public static let defaultStore = "/var/lib/tsunagi/router.sqlite"
    public static let defaultRegistry = "/etc/tsunagi/agencies.toml"

    public let store: String
    public let registry: String

    public init(store: String, registry: String) {
        self.store = store
        self.registry = registry
    }

    public static func resolve(store: String?, registry: String?, routerConfig: String?) throws -> ToolPaths {
        var fromConfig: RouterConfig?
        if let routerConfig { fromConfig = try RouterConfig.load(path: routerConfig) }
        return ToolPaths(store: store ?? fromConfig?.storePath ?? defaultStore,
                         registry: registry ?? fromConfig?.registryPath ?? defaultRegistry)
    }

    /// The registry's names, or nil when the file is absent: the views then show bare agency ids.
    /// A registry that exists but does not parse is an error worth stopping for.
    public func loadDirectoryIfPresent() throws -> AgencyDirectory? {
        guard FileManager.default.fileExists(atPath: registry) else { return nil }
        return try AgencyDirectory.load(path: registry)
    }
}

/// What the coordinator tools need from agencies.toml: names, and who runs a worker. Unlike the
/// router's loader it does not read the key files, which a coordinator's account may not see.
public struct AgencyDirectory: Sendable {
    public struct Entry: Sendable, Hashable {
        public let id: AgencyID
        public let name: String
        public let region: String
        /// The registry's kind (peer-support, saposute, …): reports order agencies by it.
        public var kind: String = ""
        /// Listed with a public key: it runs a worker and sends daily ledger reports.
        public let runsWorker: Bool
    }

    public let entries: [AgencyID: Entry]

    public init(entries: [Entry]) {
        self.entries = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(id: AgencyID) -> Entry? { entries[id] }

    public var reportingAgencies: Set<AgencyID> { Set(entries.values.filter(\.runsWorker).map(\.id)) }

    struct File: Decodable {
        var agency: [Agency]
        struct Agency: Decodable {
            var id: String
            var name: String
            var region: String?
            var kind: String?
            var public_key: String?
        }
    }

    public static func load(path: String) throws -> AgencyDirectory {
        let file = try ConfigFile.load(File.self, from: path)
        return AgencyDirectory(entries: try file.agency.map { entry in
            guard let id = AgencyID(rawValue: entry.id) else {
                throw ConfigError("\(path): '\(entry.id)' is not an agency id (lower-case ASCII like saposute.kochi)")
            }
            var directoryEntry = Entry(id: id, name: entry.name, region: entry.region ?? "",
                                       runsWorker: !(entry.public_key ?? "").isEmpty)
            directoryEntry.kind = entry.kind ?? ""
            return directoryEntry
        })
    }
}

/// A failure the command line reports with a sentence and exit status 2 (usage or config).
public struct ToolUsageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The terminal's width in columns: $COLUMNS, else the tty's size, else 80.
public enum TerminalSize {
    public static func columns() -> Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns >= 40 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
        return 80
    }
}

/// Writes a sentence to standard error (the command line's diagnostics).
public func printError(_ message: String) {
    FileHandle.standardError.write(Data(("tsunagi: " + message + "\n").utf8))
}
