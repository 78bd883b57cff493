import Foundation
import TOMLKit
import TsunagiCore
import ZeroMQ

/// `tsunagi config check FILE`: reads a router config, an agency registry or a worker config as
/// the program that uses it would, and lists every problem an operator can fix before a start or
/// a reload meets it: unknown settings, endpoint syntax, key files (readable, owner-only,
/// matching the registry), missing folders.
public struct ConfigCheck: Sendable {
    public enum Kind: String, Sendable, Codable {
        case router, registry, worker
    }

    public let file: String
    public let kind: Kind
    public let problems: [String]

    public var isClean: Bool { problems.isEmpty }

    /// Why a file could not be checked at all (unreadable, not TOML, not a Tsunagi config).
    public struct Unusable: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    static let routerKeys: Set<String> = ["endpoint", "store", "secret_key", "registry", "max_batch", "log_level", "metrics", "console"]
    /// A worker config takes exactly what WorkerConfig declares.
    static var workerKeys: Set<String> { Set(WorkerConfig.File.known) }
    static let agencyKeys: Set<String> = ["id", "kind", "name", "region", "ack_due_business_days", "public_key"]

    /// Checks `path`, telling its kind by its settings.
    public static func run(path: String) throws(Unusable) -> ConfigCheck {
        let table: TOMLTable
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                table = try TOMLTable(string: text)
            } catch let error as TOMLParseError {
                throw Unusable(description: "\(path):\(error.source.begin.line): not valid TOML: \(error.description)")
            }
        } catch let error as Unusable {
            throw error
        } catch {
            throw Unusable(description: "cannot read \(path): check the path and its permissions")
        }
        let keys = Set(table.keys)
        if keys.contains("agency"), table["agency"]?.array != nil {
            return ConfigCheck(file: path, kind: .registry, problems: checkRegistry(table, path: path))
        }
        if keys.contains("router_endpoint") || keys.contains("data_dir") {
            return ConfigCheck(file: path, kind: .worker, problems: checkWorker(keys, path: path))
        }
        if keys.contains("endpoint") || keys.contains("store") {
            return ConfigCheck(file: path, kind: .router, problems: checkRouter(keys, path: path))
        }
        throw Unusable(description: "\(path) is not a Tsunagi config: a router config has endpoint and store, a registry [[agency]] tables, a worker config agency and router_endpoint")
    }

    static func unknown(_ keys: Set<String>, known: Set<String>, in place: String) -> [String] {
        keys.subtracting(known).sorted().map { "\(place): unknown setting '\($0)' (known: \(known.sorted().joined(separator: ", ")))" }
    }

    static func checkRouter(_ keys: Set<String>, path: String) -> [String] {
        var problems = unknown(keys, known: routerKeys, in: path)
        let config: RouterConfig
        do {
            config = try RouterConfig.load(path: path)
        } catch {
            return problems + ["\(error)"]
        }
        problems += endpointProblems(config.endpoint, binding: true).map { "\(path): endpoint: \($0)" }
        let storeFolder = (config.storePath as NSString).deletingLastPathComponent
        problems += folderProblems(storeFolder.isEmpty ? "." : storeFolder, setting: "store", in: path)
        var routerKey: CurveKey?
        do {
            routerKey = try KeyFiles.loadKeyPair(config.secretKeyPath).publicKey
        } catch {
            problems.append("\(path): secret_key: \(error)")
        }
        do {
            let registry = try AgencyRegistry.load(path: config.registryPath)
            if let routerKey, let agency = registry.agencies.values.first(where: { $0.publicKey == routerKey }) {
                problems.append("\(config.registryPath): agency \(agency.id) has the router's own public key: give the agency its own key pair")
            }
        } catch {
            problems.append("\(path): registry: \(error)")
        }
        return problems
    }

    static func checkRegistry(_ table: TOMLTable, path: String) -> [String] {
        var problems = unknown(Set(table.keys), known: ["agency"], in: path)
        for (index, entry) in (table["agency"]?.array.map { Array($0) } ?? []).enumerated() {
            guard let agency = entry.table else {
                problems.append("\(path): agency[\(index)] is not a table: write it as [[agency]]")
                continue
            }
            let name = (agency["id"]?.string).map { "agency \($0)" } ?? "agency[\(index)]"
            problems += unknown(Set(agency.keys), known: agencyKeys, in: "\(path): \(name)")
        }
        do {
            _ = try AgencyRegistry.load(path: path)
        } catch {
            problems.append("\(error)")
        }
        return problems
    }

    static func checkWorker(_ keys: Set<String>, path: String) -> [String] {
        var problems = unknown(keys, known: workerKeys, in: path)
        let config: WorkerConfig
        do {
            config = try WorkerConfig.load(path: path)
        } catch {
            return problems + ["\(error)"]
        }
        do {
            _ = try LogSetup.level(named: config.logLevel, in: path)
        } catch {
            problems.append("\(error)")
        }
        problems += endpointProblems(config.routerEndpoint, binding: false).map { "\(path): router_endpoint: \($0)" }
        problems += folderProblems(config.dataDirectory, setting: "data_dir", in: path)
        var ownKey: CurveKey?
        do {
            ownKey = try KeyFiles.loadKeyPair(config.secretKeyPath).publicKey
        } catch {
            problems.append("\(path): secret_key: \(error)")
        }
        do {
            _ = try KeyFiles.loadPublicKey(config.routerPublicKey)
        } catch {
            problems.append("\(path): router_public_key: \(error)")
        }
        if let registryPath = config.registryPath {
            do {
                let registry = try AgencyRegistry.load(path: registryPath)
                if let agency = registry[config.agency] {
                    if let ownKey, agency.publicKey != ownKey {
                        problems.append("\(path): secret_key does not match the public key \(registryPath) lists for \(config.agency): install this office's .pub at the prefecture, or use the matching key")
                    }
                } else {
                    problems.append("\(path): agency \(config.agency) is not in the registry \(registryPath)")
                }
            } catch {
                problems.append("\(path): registry: \(error)")
            }
        }
        return problems
    }

    /// A ZeroMQ endpoint as the router binds (`tcp://*:5570`, `tcp://127.0.0.1:*`) or a worker
    /// connects (`tcp://router.example:5570`); `ipc://PATH` for either.
    public static func endpointProblems(_ endpoint: String, binding: Bool) -> [String] {
        if endpoint.hasPrefix("ipc://") {
            return endpoint.count > "ipc://".count ? [] : ["'\(endpoint)' names no socket file"]
        }
        guard endpoint.hasPrefix("tcp://") else {
            return ["'\(endpoint)' is not a tcp:// or ipc:// endpoint, e.g. \(binding ? "tcp://*:5570" : "tcp://router.example:5570")"]
        }
        let rest = endpoint.dropFirst("tcp://".count)
        guard let colon = rest.lastIndex(of: ":") else { return ["'\(endpoint)' has no port: add one, e.g. :5570"] }
        let host = rest[..<colon]
        let port = rest[rest.index(after: colon)...]
        var problems: [String] = []
        if host.isEmpty { problems.append("'\(endpoint)' has no host\(binding ? " (use * for every interface)" : "")") }
        if host == "*" && !binding { problems.append("'\(endpoint)': a worker connects to a host, not *") }
        if host.contains(where: { $0 == " " || $0 == "/" }) { problems.append("'\(endpoint)' has an invalid host '\(host)'") }
        if port == "*" {
            if !binding { problems.append("'\(endpoint)': a worker needs the router's port, not *") }
        } else if Int(port).map({ !(1...65_535).contains($0) }) ?? true {
            problems.append("'\(endpoint)': the port '\(port)' is not a number from 1 to 65535")
        }
        return problems
    }

    /// A data folder may be missing (the program makes it at its first start), but then the
    /// nearest folder above it must exist and be writable, or the start fails.
    static func folderProblems(_ folder: String, setting: String, in path: String) -> [String] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            return isFolder.boolValue ? [] : ["\(path): \(setting): \(folder) is a file, not a folder"]
        }
        var ancestor = (folder as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, ancestor != "/", !FileManager.default.fileExists(atPath: ancestor) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        let existing = ancestor.isEmpty ? "." : ancestor
        guard FileManager.default.isWritableFile(atPath: existing) else {
            return ["\(path): \(setting): the folder \(folder) does not exist, and this user cannot create it in \(existing): create it (mode 0700, owner tsunagi)"]
        }
        return []
    }
}
