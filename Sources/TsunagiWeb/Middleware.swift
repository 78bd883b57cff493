import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Runs before every route: picks the language, finds the session, reads a POSTed form and checks
/// its CSRF token, and adds the security headers to every answer.
struct SiteMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let site: WebSite

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        let options = site.options

        var chosenLanguage: WebLanguage?
        if let asked = request.uri.queryParameters["lang"] {
            chosenLanguage = WebLanguage(rawValue: String(asked))
        }
        if let language = chosenLanguage ?? request.cookies[options.languageCookie].flatMap({ WebLanguage(rawValue: $0.value) }) {
            context.language = language
        }

        if let id = request.cookies[options.sessionCookie]?.value, !id.isEmpty {
            switch site.sessions.touch(id) {
            case .valid(let session) where site.users.contains(session.user):
                context.session = session
            case .valid(let session):
                // Removed from the user file: the session ends now.
                site.sessions.removeAll(user: session.user)
                context.sessionExpired = true
            case .expired, .unknown:
                context.sessionExpired = true
            }
        }

        if request.method == .post {
            if let refusal = try await readForm(&request, &context) {
                return secured(refusal)
            }
        }

        var response = try await next(request, context)
        if let chosenLanguage {
            response.setCookie(Cookie(name: options.languageCookie, value: chosenLanguage.rawValue, maxAge: 365 * 86400,
                                      path: "/", secure: options.secureCookies, httpOnly: true, sameSite: .strict))
        }
        return secured(response)
    }

    /// Reads the form, then refuses a post from another site or without this session's token.
    private func readForm(_ request: inout Request, _ context: inout WebContext) async throws -> Response? {
        let language = context.language
        // A browser names the page a form came from; it must be this site (HTTP/1's Host is the authority).
        if let origin = request.headers[.origin],
           request.head.authority.map({ origin != "http://\($0)" && origin != "https://\($0)" }) ?? true {
            site.logRefusal("form post from another origin refused",
                            metadata: ["origin": "\(origin)", "path": "\(request.uri.path)"])
            return forbidden(language)
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: site.options.maxFormBytes)
        } catch {
            return WebResponse.text(language.pick("送られた内容が大きすぎます。", "The form is too large."),
                                    status: .contentTooLarge)
        }
        let type = request.headers[.contentType] ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            context.form = FormData(urlEncoded: String(buffer: body))
        }
        let sent = context.form["csrf"] ?? request.headers[HTTPField.Name("X-CSRF-Token")!]
        let expected: String?
        if request.uri.path == "/login" {
            // The login form's double-submit token: a cookie of ours, 64 hex digits.
            expected = request.cookies[site.options.loginCookie].map(\.value).flatMap { $0.count == 64 ? $0 : nil }
        } else if let session = context.session {
            expected = session.csrfToken
        } else {
            // No session: the login check that follows sends the visitor to the login page.
            return nil
        }
        guard let expected, !expected.isEmpty, let sent, Self.constantTimeEqual(sent, expected) else {
            site.logRefusal("form post without a valid CSRF token refused",
                            metadata: ["path": "\(request.uri.path)", "user": "\(context.userName ?? "-")"])
            return forbidden(language)
        }
        return nil
    }

    private func forbidden(_ language: WebLanguage) -> Response {
        let sentence = language.pick(
            "この送信は受け付けられませんでした（確認用の情報が合いません）。画面を開き直してから、もう一度操作してください。",
            "This form post was refused: its check token is missing or does not match. Open the page again and retry.")
        let html = """
        <!DOCTYPE html><html lang="\(language.rawValue)"><head><meta charset="utf-8"><title>403</title>\
        <link rel="stylesheet" href="/assets/site.css"></head><body><main id="main"><h1>403</h1>\
        <p class="alert" role="alert">\(WebResponse.escape(sentence))</p><p><a href="\(site.options.homePath)">\
        \(language.pick("最初の画面へ", "Back to the start"))</a></p></main></body></html>
        """
        return WebResponse.html(html, status: .forbidden)
    }

    private func secured(_ response: Response) -> Response {
        var response = response
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// Sends a visitor without a live session to the login page, then back to where they were going.
struct RequireLogin: RouterMiddleware {
    typealias Context = WebContext
    let site: WebSite

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        if context.session != nil { return try await next(request, context) }
        // A live-update fetch gets 401, not the login page in place of the fragment.
        if request.headers[HTTPField.Name("X-Requested-With")!] == "fetch" {
            return WebResponse.text("", status: .unauthorized)
        }
        let target = request.method == .get ? request.uri.path : site.options.homePath
        let encoded = target.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"
        var response = WebResponse.redirect(to: "/login?next=\(encoded)" + (context.sessionExpired ? "&expired=1" : ""))
        if context.sessionExpired { response.setCookie(site.expiredCookie(site.options.sessionCookie)) }
        return response
    }
}

/// Logs refusals one line each up to a budget per minute, then one summary line for the rest, so a
/// flood of bad logins or posts cannot fill the journal.
final class SummarizingLog: Sendable {
    private let logger: Logger
    private let perMinute: Int
    private let state = Mutex(State())

    private struct State {
        var minute = 0
        var written = 0
        var suppressed = 0
    }

    init(logger: Logger, perMinute: Int = 20) {
        self.logger = logger
        self.perMinute = perMinute
    }

    func notice(_ message: Logger.Message, metadata: Logger.Metadata) {
        let minute = Int(Date().timeIntervalSince1970 / 60)
        let (write, summary) = state.withLock { state -> (Bool, Int) in
            var summary = 0
            if state.minute != minute {
                summary = state.suppressed
                state = State(minute: minute)
            }
            state.written += 1
            if state.written > perMinute { state.suppressed += 1 }
            return (state.written <= perMinute, summary)
        }
        if summary > 0 { logger.notice("refusals not logged one by one in the last minute", metadata: ["count": "\(summary)"]) }
        if write { logger.notice(message, metadata: metadata) }
    }
}
