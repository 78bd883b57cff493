import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TsunagiCore
import TsunagiTools
import TsunagiWeb

/// `tsunagi console`: the coordinators' web console on the shared web layer (login, sessions,
/// CSRF, layout, no-store). Every page reads the store read-only.
public struct ConsoleApplication: Sendable {
    public static let nav = [
        NavItem(href: "/", label: "未応答の紹介"),
        NavItem(href: "/report", label: "実績"),
        NavItem(href: "/reconcile", label: "突合"),
        NavItem(href: "/connections", label: "接続状況"),
    ]

    let site: WebSite
    public let data: ConsoleData
    let routerStatus: RouterStatusClient

    public init(config: ConsoleConfig, data: ConsoleData, sessions: SessionStore? = nil,
                logger: Logger = Logger(label: "tsunagi.console")) throws {
        site = try WebSite(
            options: WebSiteOptions(siteName: (ja: "つなぎ 調整担当コンソール", en: "Tsunagi coordinators' console"),
                                    cookiePrefix: "tsunagi_console"),
            users: UserFile(path: config.usersPath),
            sessions: sessions ?? SessionStore(inactivity: TimeInterval(config.sessionMinutes * 60)),
            templates: ConsoleTemplates.all, logger: logger,
            chrome: { _ in WebChrome(siteName: "つなぎ 調整担当コンソール", nav: ConsoleApplication.nav) })
        self.data = data
        routerStatus = RouterStatusClient(baseURL: config.routerStatusURL)
    }

    /// The router with the web layer's own routes and the console's pages.
    public func makeRouter() -> Router<WebContext> {
        let router = site.makeRouter()
        let pages = site.protectedRoutes(of: router)
        UnacknowledgedRoutes(site: site, data: data).add(to: pages)
        HistoryRoutes(site: site, data: data).add(to: pages)
        ReportRoutes(site: site, data: data).add(to: pages)
        ReconcileRoutes(site: site, data: data).add(to: pages)
        ConnectionsRoutes(site: site, data: data, routerStatus: routerStatus).add(to: pages)
        return router
    }

    /// The HTTP application on `host:port` (port 0: any free port, told to `onServerRunning`).
    public func buildApplication(host: String, port: Int, logger: Logger,
                                 onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        WebSite.buildApplication(router: makeRouter(), host: host, port: port, logger: logger, onServerRunning: onServerRunning)
    }
}

/// Store reads run on a thread of their own, never on the cooperative pool's two threads.
enum StoreWork {
    private static let queue = DispatchQueue(label: "tsunagi.console.store", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// The query of a GET form as one dictionary (the first value of each name), decoded as a form
/// post is (`+` is a space).
func queryFields(_ request: Request) -> [String: String] {
    var fields: [String: String] = [:]
    for field in FormData(urlEncoded: request.uri.query ?? "").fields where fields[field.name] == nil {
        fields[field.name] = field.value
    }
    return fields
}
