import Foundation

/// The worker config's `[desk]` table: the staff's web page. The desk runs unless `enabled` is
/// false, on 127.0.0.1:8780 when the config has no `[desk]` table.
///
/// ```toml
/// [desk]
/// enabled = true              # false: no desk
/// listen = "127.0.0.1:8780"   # host:port; port 0 takes any free port
/// session_minutes = 30        # a login ends after this long without a request
/// users = "desk-users"        # the staff accounts (desk user add), beside the ledger by default
/// ```
public struct DeskConfig: Sendable, Equatable {
    public var enabled: Bool
    public var host: String
    public var port: Int
    public var sessionMinutes: Int
    public var usersFile: String
    public var secureCookies: Bool

    public static let defaultPort = 8780
    public static let defaultListen = "127.0.0.1:\(defaultPort)"

    struct File: Decodable {
        var enabled: Bool?
        var listen: String?
        var session_minutes: Int?
        var users: String?
        var secure_cookies: Bool?
    }

    /// The users file when the config names none: beside the ledger.
    public static func defaultUsersFile(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("desk-users")
    }

    init(_ file: File, configPath: String, dataDirectory: String) throws {
        enabled = file.enabled ?? true
        let listen = file.listen ?? Self.defaultListen
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port), colon > listen.startIndex else {
            throw ConfigError("\(configPath): [desk] listen = \"\(listen)\" is not host:port (e.g. \(Self.defaultListen))")
        }
        host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
        sessionMinutes = file.session_minutes ?? 30
        guard (1...24 * 60).contains(sessionMinutes) else {
            throw ConfigError("\(configPath): [desk] session_minutes must be between 1 and 1440")
        }
        usersFile = file.users.map { ConfigFile.resolve($0, relativeTo: configPath) }
            ?? Self.defaultUsersFile(dataDirectory: dataDirectory)
        secureCookies = file.secure_cookies ?? false
    }
}
