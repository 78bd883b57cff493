import Foundation
import TsunagiRuntime
import TsunagiTools

/// The console's settings, read from router.toml: the store and registry the router uses, the
/// `[console]` section and the router's `[metrics] listen` (where the console asks which agencies
/// are connected).
///
/// ```toml
/// [console]
/// listen = "127.0.0.1:8790"                     # bind to loopback unless a proxy needs otherwise
/// users = "/var/lib/tsunagi/console-users"      # default: console-users beside the store
/// session_minutes = 480
/// ```
public struct ConsoleConfig: Sendable, Equatable {
    public static let defaultListen = "127.0.0.1:8790"
    public static let defaultMetricsListen = "127.0.0.1:9570"
    public static let defaultSessionMinutes = 480

    public var storePath: String
    public var registryPath: String
    public var host: String
    public var port: Int
    public var usersPath: String
    public var sessionMinutes: Int
    /// The router's metrics server, e.g. http://127.0.0.1:9570 (serves /agencies); nil when
    /// `[metrics] listen = "off"`.
    public var routerStatusURL: String?

    public init(storePath: String, registryPath: String, host: String = "127.0.0.1", port: Int = 8790,
                usersPath: String? = nil, sessionMinutes: Int = ConsoleConfig.defaultSessionMinutes,
                routerStatusURL: String? = "http://" + ConsoleConfig.defaultMetricsListen) {
        self.storePath = storePath
        self.registryPath = registryPath
        self.host = host
        self.port = port
        self.usersPath = usersPath ?? Self.defaultUsersPath(storePath: storePath)
        self.sessionMinutes = sessionMinutes
        self.routerStatusURL = routerStatusURL
    }

    /// `console-users` in the store's folder: owner-only like the store.
    public static func defaultUsersPath(storePath: String) -> String {
        ((storePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("console-users")
    }

    struct File: Decodable {
        var console: Console?
        var metrics: Metrics?
        struct Console: Decodable {
            var listen: String?
            var users: String?
            var session_minutes: Int?
        }
        struct Metrics: Decodable {
            var listen: String?
        }
    }

    /// Reads router.toml (store and registry as the router finds them; the two sections above).
    public static func load(path: String) throws -> ConsoleConfig {
        let paths = try ToolPaths.resolve(store: nil, registry: nil, routerConfig: path)
        let file = try ConfigFile.load(File.self, from: path)
        let listen = file.console?.listen ?? defaultListen
        guard let (host, port) = parseListen(listen) else {
            throw ConfigError("\(path): [console] listen = \"\(listen)\" is not HOST:PORT (for example \"127.0.0.1:8790\")")
        }
        let metricsListen = file.metrics?.listen ?? defaultMetricsListen
        var routerStatusURL: String?
        if metricsListen != "off" {
            guard let (metricsHost, metricsPort) = parseListen(metricsListen) else {
                throw ConfigError("\(path): [metrics] listen = \"\(metricsListen)\" is not HOST:PORT or \"off\" (for example \"127.0.0.1:9570\")")
            }
            routerStatusURL = "http://\(urlHost(reachable: metricsHost)):\(metricsPort)"
        }
        let minutes = file.console?.session_minutes ?? defaultSessionMinutes
        guard (5...1440).contains(minutes) else {
            throw ConfigError("\(path): [console] session_minutes must be between 5 and 1440")
        }
        return ConsoleConfig(
            storePath: paths.store, registryPath: paths.registry, host: host, port: port,
            usersPath: file.console?.users.map { ConfigFile.resolve($0, relativeTo: path) },
            sessionMinutes: minutes, routerStatusURL: routerStatusURL)
    }

    /// "127.0.0.1:8790", "[::1]:8790", "localhost:8790" → host and port (0 asks the kernel for one).
    public static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        return (host, port)
    }

    /// A server bound to every address is reached on loopback; IPv6 goes in brackets in a URL.
    static func urlHost(reachable host: String) -> String {
        switch host {
        case "0.0.0.0", "*": "127.0.0.1"
        case "::": "[::1]"
        default: host.contains(":") ? "[\(host)]" : host
        }
    }
}
