import Foundation
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
    /// The staff's web desk (`[desk]`); nil when the config has no `[desk]` table or turns it off.
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
        var desk: DeskConfig.File?
    }

    /// Loads a worker's TOML config; relative paths are taken from the file's folder.
    public static func load(path: String) throws -> WorkerConfig {
        let file = try ConfigFile.load(File.self, from: path)
        guard let agency = AgencyID(rawValue: file.agency) else {
            throw ConfigError("\(path): agency '\(file.agency)' is not an agency id (lower-case ASCII like saposute.kochi)")
        }
        let routerKey = file.router_public_key.utf8.count == 40 && !file.router_public_key.contains("/")
            ? file.router_public_key : ConfigFile.resolve(file.router_public_key, relativeTo: path)
        var config = WorkerConfig(
            agency: agency, routerEndpoint: file.router_endpoint, routerPublicKey: routerKey,
            secretKeyPath: ConfigFile.resolve(file.secret_key, relativeTo: path),
            dataDirectory: ConfigFile.resolve(file.data_dir, relativeTo: path),
            registryPath: file.registry.map { ConfigFile.resolve($0, relativeTo: path) },
            logLevel: file.log_level ?? "info")
        if let desk = file.desk {
            config.desk = try DeskConfig(desk, configPath: path, dataDirectory: config.dataDirectory)
        }
        return config
    }
}
