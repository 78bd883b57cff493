import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// How a site names itself and its cookies.
public struct WebSiteOptions: Sendable {
    /// The site's name in the header, per language.
    public var siteName: (ja: String, en: String)
    /// Cookies are per host, not per port: a desk and a console on one machine need different names.
    public var cookiePrefix: String
    /// Set when the site is served over HTTPS (behind a proxy): cookies then carry `Secure`.
    public var secureCookies: Bool
    /// Where a logged-in visitor goes by default.
    public var homePath: String
    /// The largest form body read (bytes).
    public var maxFormBytes: Int

    public init(siteName: (ja: String, en: String), cookiePrefix: String, secureCookies: Bool = false,
                homePath: String = "/", maxFormBytes: Int = 256 * 1024) {
        self.siteName = siteName
        self.cookiePrefix = cookiePrefix
        self.secureCookies = secureCookies
        self.homePath = homePath
        self.maxFormBytes = maxFormBytes
    }

    var sessionCookie: String { cookiePrefix + "_session" }
    var loginCookie: String { cookiePrefix + "_login" }
    var languageCookie: String { cookiePrefix + "_lang" }
}

/// One web site of Tsunagi's (the desk, the console): login against a user file, sessions that
/// expire, CSRF tokens on every form, the shared layout, stylesheet and live-update script. A site
/// adds its pages to `protectedRoutes(of:)` and renders them with `page(_:request:context:)`.
public final class WebSite: Sendable {
    public let options: WebSiteOptions
    public let users: UserFile
    public let sessions: SessionStore
    public let throttle: LoginThrottle
    public let renderer: PageRenderer
    public let logger: Logger
    private let chrome: @Sendable (WebContext) async -> WebChrome
    private let refusalLog: SummarizingLog

    /// - Parameters:
    ///   - templates: the site's own swift-mustache templates by name.
    ///   - chrome: the navigation and status line for a request (the site name comes from `options`).
    public init(options: WebSiteOptions, users: UserFile, sessions: SessionStore = SessionStore(),
                throttle: LoginThrottle = LoginThrottle(), templates: [String: String] = [:],
                logger: Logger = Logger(label: "tsunagi.web"),
                chrome: @escaping @Sendable (WebContext) async -> WebChrome = { _ in WebChrome(siteName: "") }) throws {
        self.options = options
        self.users = users
        self.sessions = sessions
        self.throttle = throttle
        self.renderer = try PageRenderer(templates: templates)
        self.logger = logger
        self.chrome = chrome
        self.refusalLog = SummarizingLog(logger: logger)
    }

    // MARK: Router

    /// A router with the site's middleware (language, session, CSRF, security headers) and its own
    /// routes: `GET/POST /login`, `POST /logout`, `/assets/site.css`, `/assets/live.js`.
    public func makeRouter() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SiteMiddleware(site: self))
        router.get("/assets/site.css") { _, _ in Self.asset(WebAssets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/assets/live.js") { _, _ in Self.asset(WebAssets.liveScript, type: "text/javascript; charset=utf-8") }
        router.get("/login") { [self] request, context in
            if context.session != nil { return WebResponse.redirect(to: safeNext(request.uri.queryParameters["next"])) }
            return loginPage(request: request, context: context, username: "", error: nil, status: .ok)
        }
        router.post("/login") { [self] request, context in try await login(request: request, context: context) }
        router.post("/logout") { [self] _, context in
            if let session = context.session {
                sessions.remove(session.id)
                logger.info("logout", metadata: ["user": "\(session.user)"])
            }
            var response = WebResponse.redirect(to: "/login?out=1")
            response.setCookie(expiredCookie(options.sessionCookie))
            return response
        }
        return router
    }

    /// The group of routes that need a logged-in staff member: others are sent to the login page.
    public func protectedRoutes(of router: Router<WebContext>) -> RouterGroup<WebContext> {
        router.group().add(middleware: RequireLogin(site: self))
    }

    /// Builds the HTTP application serving `router` on `host:port` (port 0: any free port;
    /// `onServerRunning` is told the port). The result is a swift-service-lifecycle `Service`.
    public static func buildApplication(
        router: Router<WebContext>, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    // MARK: Pages

    /// Renders a page of the site inside the layout; always `Cache-Control: no-store`.
    public func page(_ page: WebPage, request: Request, context: WebContext) async -> Response {
        let body = renderer.render(page.template, page.values)
        let chrome = await chrome(context)
        return WebResponse.html(layout(page: page, body: body, chrome: chrome, request: request, context: context),
                                status: page.status)
    }

    /// A page with one sentence (a refusal, a missing referral) and an optional link onwards.
    public func messagePage(title: String, message: String, status: HTTPResponse.Status, link: NavItem? = nil,
                            request: Request, context: WebContext) async -> Response {
        var values: [String: Any] = ["message": message]
        if let link { values["link"] = ["href": link.href, "label": link.label] }
        return await page(WebPage(title: title, template: "web.message", values: values, status: status),
                          request: request, context: context)
    }

    /// The status line alone, for its live refresh.
    public func statusFragment(_ status: StatusLine) -> Response {
        WebResponse.html(renderer.render("web.status", ["kind": status.kind.rawValue, "text": status.text]))
    }

    private func layout(page: WebPage, body: String, chrome: WebChrome, request: Request, context: WebContext) -> String {
        let language = context.language
        let other: WebLanguage = language == .ja ? .en : .ja
        let path = request.uri.path
        var values: [String: Any] = [
            "lang": language.rawValue,
            "title": page.title,
            "siteName": language.pick(options.siteName.ja, options.siteName.en),
            "skipText": language.pick("本文へ移動", "Skip to content"),
            "otherLang": other.rawValue,
            "langText": language.pick("English", "日本語"),
            "langHref": Self.languageLink(request: request, to: other),
            "body": body,
        ]
        if let notice = page.notice { values["notice"] = notice }
        if let alert = page.alert { values["alert"] = alert }
        if let status = chrome.status {
            var line: [String: Any] = ["kind": status.kind.rawValue, "text": status.text]
            if let live = status.liveURL { line["liveURL"] = live }
            values["status"] = line
        }
        if let session = context.session {
            values["user"] = [
                "name": session.user,
                "csrf": session.csrfToken,
                "userLabel": language.pick("担当", "Staff"),
                "logoutText": language.pick("ログアウト", "Log out"),
                "navLabel": language.pick("主なページ", "Main pages"),
                "nav": chrome.nav.map { item -> [String: Any] in
                    let current = item.href == path || (item.href != "/" && path.hasPrefix(item.href + "/"))
                    return ["href": item.href, "label": item.label, "current": current]
                },
            ] as [String: Any]
        }
        return renderer.render("web.layout", values)
    }

    static func languageLink(request: Request, to language: WebLanguage) -> String {
        var query = request.uri.queryParameters.filter { $0.key != "lang" }.map { "\($0.key)=\($0.value)" }
        query.append("lang=\(language.rawValue)")
        return request.uri.path + "?" + query.joined(separator: "&")
    }

    private static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Login

    private func loginPage(request: Request, context: WebContext, username: String, error: String?,
                           status: HTTPResponse.Status) -> Response {
        let existing = request.cookies[options.loginCookie]?.value
        let token = existing.flatMap { $0.count == 64 ? $0 : nil } ?? WebToken.make()
        let language = context.language
        var notice: String?
        if request.uri.queryParameters["out"] != nil { notice = language.pick("ログアウトしました。", "You have logged out.") }
        if context.sessionExpired || request.uri.queryParameters["expired"] != nil {
            notice = language.pick("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。",
                                   "Your session ended after a period without use. Please log in again.")
        }
        var values: [String: Any] = [
            "csrf": token,
            "next": safeNext(request.uri.queryParameters["next"]),
            "username": username,
            "usernameLabel": language.pick("利用者名", "User name"),
            "passwordLabel": language.pick("パスワード", "Password"),
            "submitText": language.pick("ログイン", "Log in"),
        ]
        if let error { values["error"] = error }
        let page = WebPage(title: language.pick("ログイン", "Log in"), template: "web.login", values: values,
                           status: status, notice: notice)
        let body = renderer.render(page.template, page.values)
        let html = layout(page: page, body: body, chrome: WebChrome(siteName: ""), request: request, context: context)
        var response = WebResponse.html(html, status: status)
        response.setCookie(cookie(options.loginCookie, token))
        if context.sessionExpired { response.setCookie(expiredCookie(options.sessionCookie)) }
        return response
    }

    private func login(request: Request, context: WebContext) async throws -> Response {
        let language = context.language
        let username = context.form.trimmed("username") ?? ""
        let password = context.form["password"] ?? ""
        let address = context.clientAddress
        if let wait = throttle.waitBeforeAttempt(user: username, address: address) {
            refusalLog.notice("login refused: too many failures", metadata: ["user": "\(username)", "client": "\(address)"])
            let minutes = max(1, Int((wait / 60).rounded(.up)))
            return loginPage(
                request: request, context: context, username: username,
                error: language.pick("ログインの失敗が続いたため、受け付けを止めています。\(minutes) 分ほど待ってから、もう一度お試しください。",
                                     "Too many failed logins: wait about \(minutes) minute(s) and try again."),
                status: .tooManyRequests)
        }
        guard !username.isEmpty, !password.isEmpty, await users.verify(name: username, password: password) else {
            throttle.recordFailure(user: username, address: address)
            refusalLog.notice("login refused: wrong user name or password",
                              metadata: ["user": "\(username)", "client": "\(address)"])
            return loginPage(
                request: request, context: context, username: username,
                error: language.pick("利用者名またはパスワードが違います。", "The user name or password is wrong."),
                status: .unauthorized)
        }
        throttle.recordSuccess(user: username)
        let session = sessions.create(user: username)
        logger.info("login", metadata: ["user": "\(username)", "client": "\(address)"])
        var response = WebResponse.redirect(to: safeNext(context.form["next"].map { Substring($0) }))
        response.setCookie(cookie(options.sessionCookie, session.id))
        response.setCookie(expiredCookie(options.loginCookie))
        return response
    }

    /// Only a path on this site: never `//host` or `https://…` (no open redirect).
    func safeNext(_ next: Substring?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
              !next.contains(where: { $0.isNewline }) else { return options.homePath }
        return String(next)
    }

    func cookie(_ name: String, _ value: String) -> Cookie {
        Cookie(name: name, value: value, path: "/", secure: options.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func expiredCookie(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: options.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func logRefusal(_ message: Logger.Message, metadata: Logger.Metadata) {
        refusalLog.notice(message, metadata: metadata)
    }
}
