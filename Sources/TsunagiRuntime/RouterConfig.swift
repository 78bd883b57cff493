import Foundation
import Logging

/// router.toml: where the router listens, where it keeps the store, and whom it trusts.
public struct RouterConfig: Sendable {
    /// ZeroMQ endpoint to bind, e.g. tcp://*:5570.
    public var endpoint: String
    public var storePath: String
    public var secretKeyPath: String
    public var registryPath: String
    /// Most messages taken in one poll and committed in one transaction.
    public var maxBatch: Int
    public var logLevel: Logger.Level

    public init(endpoint: String, storePath: String, secretKeyPath: String, registryPath: String,
                maxBatch: Int = 1024, logLevel: Logger.Level = .info) {
        self.endpoint = endpoint
        self.storePath = storePath
        self.secretKeyPath = secretKeyPath
        self.registryPath = registryPath
        self.maxBatch = maxBatch
        self.logLevel = logLevel
    }

    struct File: Decodable {
        var endpoint: String
        var store: String
        var secret_key: String
        var registry: String
        var max_batch: Int?
        var log_level: String?
    }

    /// Loads router.toml; relative paths are taken from the file's folder.
    public static func load(path: String) throws -> RouterConfig {
        let file = try ConfigFile.load(File.self, from: path)
        let maxBatch = file.max_batch ?? 1024
        guard (1...65_536).contains(maxBatch) else { throw ConfigError("\(path): max_batch must be between 1 and 65536") }
        return RouterConfig(
            endpoint: file.endpoint,
            storePath: ConfigFile.resolve(file.store, relativeTo: path),
            secretKeyPath: ConfigFile.resolve(file.secret_key, relativeTo: path),
            registryPath: ConfigFile.resolve(file.registry, relativeTo: path),
            maxBatch: maxBatch, logLevel: try LogSetup.level(named: file.log_level, in: path))
    }
}
