import Foundation
import Hummingbird
import Logging
import TsunagiCore
import TsunagiStore
import TsunagiWeb

/// Where and how the desk is served (the worker config's `[desk]` table).
public struct DeskSettings: Sendable {
    public var host: String
    public var port: Int
    /// The staff accounts file (`desk user add`), beside the ledger by default.
    public var usersFile: String
    /// Minutes without a request after which a login ends.
    public var sessionMinutes: Int
    /// Set when a proxy serves the desk over HTTPS.
    public var secureCookies: Bool

    public init(host: String = "127.0.0.1", port: Int = 8780, usersFile: String, sessionMinutes: Int = 30,
                secureCookies: Bool = false) {
        self.host = host
        self.port = port
        self.usersFile = usersFile
        self.sessionMinutes = sessionMinutes
        self.secureCookies = secureCookies
    }
}

/// The agency's desk: a web site for its staff on the worker's ledger. Pages are grouped by file:
/// InboxPage (受信一覧), ReferralPage (紹介の詳細 and the answers), NewReferralPage (新しい紹介),
/// SentPages (送信済み, 取り込めなかったファイル).
public struct Desk: Sendable {
    public let environment: DeskEnvironment
    public let site: WebSite

    public init(environment: DeskEnvironment, settings: DeskSettings, clock: any WebClock = SystemWebClock(),
                logger: Logger = Logger(label: "tsunagi.desk")) throws {
        self.environment = environment
        let environment = environment
        site = try WebSite(
            options: WebSiteOptions(siteName: (ja: "つなぎ 窓口 — \(environment.name(of: environment.agency))",
                                               en: "Tsunagi desk — \(environment.agency)"),
                                    cookiePrefix: "tsunagi_desk", secureCookies: settings.secureCookies, homePath: "/inbox"),
            users: UserFile(path: settings.usersFile),
            sessions: SessionStore(inactivity: TimeInterval(settings.sessionMinutes * 60), clock: clock),
            throttle: LoginThrottle(clock: clock),
            templates: DeskTemplates.all,
            logger: logger,
            chrome: { context in Desk.chrome(environment: environment, context: context) })
    }

    /// The router with every page of the desk.
    public func makeRouter() -> Router<WebContext> {
        let router = site.makeRouter()
        let pages = site.protectedRoutes(of: router)
        router.get("/") { _, _ in WebResponse.redirect(to: "/inbox") }
        InboxPage(desk: self).register(on: pages)
        ReferralPage(desk: self).register(on: pages)
        NewReferralPage(desk: self).register(on: pages)
        SentPages(desk: self).register(on: pages)
        pages.get("/status") { [environment] _, context in
            site.statusFragment(Desk.connectionStatus(environment: environment, language: context.language))
        }
        return router
    }

    /// The desk as an HTTP service on `settings.host:port` (port 0: any free port, told to `onServerRunning`).
    public func buildApplication(settings: DeskSettings, logger: Logger,
                                 onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        WebSite.buildApplication(router: makeRouter(), host: settings.host, port: settings.port, logger: logger,
                                 onServerRunning: onServerRunning)
    }

    static func chrome(environment: DeskEnvironment, context: WebContext) -> WebChrome {
        let text = context.text
        return WebChrome(
            siteName: "",
            nav: [
                NavItem(href: "/inbox", label: text("受信一覧", "Inbox")),
                NavItem(href: "/new", label: text("新しい紹介", "New referral")),
                NavItem(href: "/sent", label: text("送信済み", "Sent")),
                NavItem(href: "/rejected", label: text("取り込めなかったファイル", "Rejected files")),
            ],
            status: connectionStatus(environment: environment, language: context.language))
    }

    static func connectionStatus(environment: DeskEnvironment, language: WebLanguage) -> StatusLine {
        environment.isConnected()
            ? StatusLine(text: language.pick("ルーターに接続しています", "Connected to the router"), kind: .ok, liveURL: "/status")
            : StatusLine(text: language.pick("ルーターに接続していません（送るものは接続し次第届きます）",
                                             "Not connected to the router (what you send goes out once it is)"),
                         kind: .warning, liveURL: "/status")
    }
}

/// Date and time as staff read them: Japan time, `2026/11/27 09:30`.
enum DeskTime {
    static func japanese(_ iso: String) -> String {
        guard let seconds = Timestamp.epochSeconds(iso) else { return iso }
        let date = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .japan
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d/%02d/%02d %02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!)
    }

    static func day(_ date: CivilDate) -> String {
        String(format: "%04d/%02d/%02d", date.year, date.month, date.day)
    }
}

/// The person's details from a referral's personal part (JSON the worker opened), by column.
enum PersonalPart {
    static func fields(_ bytes: [UInt8]) -> [String: String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String { fields[key] = text } else if !(value is NSNull) { fields[key] = "\(value)" }
        }
        return fields
    }
}
