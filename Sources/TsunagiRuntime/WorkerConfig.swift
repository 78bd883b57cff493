import Foundation
import TOMLKit
import TsunagiCore

/// A worker's config (one per agency office): who it is, where the router is, where its folders are.
public struct WorkerConfig: Sendable {
    public var agency: AgencyID
    /// The router's endpoint, e.g. tcp://router.pref.kochi.example:5570.
    public var routerEndpoint: String
    /// The router's public certificate (.pub) or its Z85 key.
    public var routerPublicKey: String
    /// This agency's secret certificate (.key), mode 0600.
    public var secretKeyPath: String
    /// Holds outbox/, sent/, rejected/, inbox/ and ledger.sqlite.
    public var dataDirectory: String
    /// The agency registry, to check destinations before sending (optional).
    public var registryPath: String?
    public var logLevel: String
    /// This agency's sealing secret key files (.seal.key, mode 0600): the current one first, then
    /// earlier ones kept to open what was sealed to them before a rotation.
    public var sealingSecretKeyPaths: [String] = []
    /// The staff's web desk (`[desk]`; its defaults when the config has no such table); nil only
    /// for a config built in code. `enabled = false` turns it off.
    public var desk: DeskConfig?

    public init(agency: AgencyID, routerEndpoint: String, routerPublicKey: String, secretKeyPath: String,
                dataDirectory: String, registryPath: String? = nil, logLevel: String = "info") {
        self.agency = agency
        self.routerEndpoint = routerEndpoint
        self.routerPublicKey = routerPublicKey
        self.secretKeyPath = secretKeyPath
        self.dataDirectory = dataDirectory
        self.registryPath = registryPath
        self.logLevel = logLevel
    }

    struct File: Decodable {
        var agency: String
        var router_endpoint: String
        var router_public_key: String
        var secret_key: String
        var data_dir: String
        var registry: String?
        var log_level: String?
        /// The agency's sealing secret keys, current first (docs/OPERATIONS.md, "Sealing keys").
        var sealing_secret_keys: [String]?
        /// The staff's web desk; no `[desk]` table means the desk on its defaults.
        var desk: DeskConfig.File?

        /// Every key a worker config may hold — the properties above, read off a blank instance so
        /// that a new setting is known as soon as it is declared. Any other key is refused by name:
        /// a misspelt optional key would otherwise be ignored without a word.
        static var known: [String] {
            Mirror(reflecting: File(agency: "", router_endpoint: "", router_public_key: "", secret_key: "", data_dir: ""))
                .children.compactMap(\.label)
        }

        static let required = ["agency", "router_endpoint", "router_public_key", "secret_key", "data_dir"]
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Loads a worker's TOML config; relative paths are taken from the file's folder. Every
    /// problem of the file is named at once: unknown keys, missing keys, an endpoint that is not
    /// `tcp://HOST:PORT`, an agency id that cannot be one.
    public static func load(path: String) throws -> WorkerConfig {
        try checkKeys(path: path)
        let file = try ConfigFile.load(File.self, from: path)
        var problems: [String] = []
        let agency = AgencyID(rawValue: file.agency)
        if agency == nil {
            problems.append("agency '\(file.agency)' is not an agency id (lower-case ASCII like saposute.kochi)")
        }
        if let problem = endpointProblem(file.router_endpoint) { problems.append(problem) }
        if let level = file.log_level, !logLevels.contains(level) {
            problems.append("log_level '\(level)' is not one of \(logLevels.joined(separator: ", "))")
        }
        guard let agency, problems.isEmpty else {
            throw ConfigError("\(path): " + problems.joined(separator: "; "))
        }
        let routerKey = file.router_public_key.utf8.count == 40 && !file.router_public_key.contains("/")
            ? file.router_public_key : ConfigFile.resolve(file.router_public_key, relativeTo: path)
        var config = WorkerConfig(
            agency: agency, routerEndpoint: file.router_endpoint, routerPublicKey: routerKey,
            secretKeyPath: ConfigFile.resolve(file.secret_key, relativeTo: path),
            dataDirectory: ConfigFile.resolve(file.data_dir, relativeTo: path),
            registryPath: file.registry.map { ConfigFile.resolve($0, relativeTo: path) },
            logLevel: file.log_level ?? "info")
        config.sealingSecretKeyPaths = (file.sealing_secret_keys ?? []).map { ConfigFile.resolve($0, relativeTo: path) }
        config.desk = try DeskConfig(file.desk ?? DeskConfig.File(), configPath: path, dataDirectory: config.dataDirectory)
        return config
    }

    /// Names every unknown and every missing key of the file in one sentence.
    static func checkKeys(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let table = try? TOMLTable(string: text) else {
            return // ConfigFile.load says what is wrong with the file itself.
        }
        let known = Set(File.known)
        let unknown = table.keys.filter { !known.contains($0) }.sorted()
        let missing = File.required.filter { !table.keys.contains($0) }
        var problems: [String] = []
        if !unknown.isEmpty {
            problems.append("unknown setting\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) (a worker config takes \(File.known.joined(separator: ", ")))")
        }
        if !missing.isEmpty {
            problems.append("the setting\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") missing")
        }
        if !problems.isEmpty { throw ConfigError("\(path): " + problems.joined(separator: "; ")) }
    }

    /// Why an endpoint cannot be connected to, or nil: it must be `tcp://HOST:PORT`.
    static func endpointProblem(_ endpoint: String) -> String? {
        let example = "e.g. tcp://tsunagi-router.pref.kochi.example:5570"
        guard endpoint.hasPrefix("tcp://") else {
            return "router_endpoint '\(endpoint)' must start with tcp:// (\(example))"
        }
        let address = endpoint.dropFirst("tcp://".count)
        guard let colon = address.lastIndex(of: ":"), colon != address.startIndex,
              let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port) else {
            return "router_endpoint '\(endpoint)' needs a host and a port (\(example))"
        }
        return nil
    }
}
