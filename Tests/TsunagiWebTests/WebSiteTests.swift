import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import TsunagiWeb

/// A site with one page that shows a person and one form, as the desk and the console have.
struct TestSite {
    let folder: URL
    let users: UserFile
    let clock = ManualWebClock()
    let site: WebSite

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tsunagi-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        users = UserFile(path: folder.appendingPathComponent("desk-users").path, cost: 4)
        try users.add(name: "tanaka", password: "correct horse")
        site = try WebSite(
            options: WebSiteOptions(siteName: (ja: "テスト窓口", en: "Test desk"), cookiePrefix: "test"),
            users: users,
            sessions: SessionStore(inactivity: 30 * 60, clock: clock),
            throttle: LoginThrottle(window: 15 * 60, maxFailuresPerUser: 5, clock: clock),
            templates: ["person": "<p id=\"person\">{{name}}</p><form method=\"post\" action=\"/act\"><input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\"><button>go</button></form>"],
            chrome: { context in
                WebChrome(siteName: "テスト", nav: [NavItem(href: "/person", label: context.text("本人", "Person"))],
                          status: StatusLine(text: "接続中", kind: .ok, liveURL: "/status"))
            })
    }

    func application() -> some ApplicationProtocol {
        let router = site.makeRouter()
        let pages = site.protectedRoutes(of: router)
        let site = self.site
        pages.get("/person") { request, context in
            await site.page(WebPage(title: "本人", template: "person",
                                    values: ["name": "山田 花子", "csrf": context.session!.csrfToken]),
                            request: request, context: context)
        }
        pages.post("/act") { _, context in
            WebResponse.text("done by \(context.userName!) with \(context.form["field"] ?? "")")
        }
        pages.get("/status") { _, _ in site.statusFragment(StatusLine(text: "接続中", kind: .ok)) }
        return WebSite.buildApplication(router: router, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// The cookies a response sets: name → (value, attributes as written).
func setCookies(_ response: TestResponse) -> [String: (value: String, attributes: String)] {
    var cookies: [String: (String, String)] = [:]
    for line in response.headers[values: .setCookie] {
        let parts = line.split(separator: ";", maxSplits: 1)
        let pair = parts[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        cookies[String(pair[0])] = (pair.count > 1 ? String(pair[1]) : "", parts.count > 1 ? String(parts[1]) : "")
    }
    return cookies
}

func form(_ fields: [String: String]) -> ByteBuffer {
    let allowed = CharacterSet.alphanumerics
    let text = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        .joined(separator: "&")
    return ByteBuffer(string: text)
}

let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

extension TestClientProtocol {
    /// Opens the login page and posts the form; returns the session cookie (nil when refused) and the answer.
    func logIn(_ user: String, _ password: String, next: String = "/person") async throws -> (session: String?, response: TestResponse) {
        let page = try await execute(uri: "/login", method: .get)
        let token = setCookies(page)["test_login"]!.value
        var headers = formType
        headers[.cookie] = "test_login=\(token)"
        let response = try await execute(
            uri: "/login", method: .post, headers: headers,
            body: form(["username": user, "password": password, "csrf": token, "next": next]))
        return (setCookies(response)["test_session"]?.value, response)
    }

    func get(_ uri: String, session: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let session { headers[.cookie] = "test_session=\(session)" }
        return try await execute(uri: uri, method: .get, headers: headers)
    }

    /// The CSRF token the logged-in page carries.
    func csrfToken(session: String) async throws -> String {
        let body = String(buffer: try await get("/person", session: session).body)
        let marker = "name=\"csrf\" value=\""
        let start = body.range(of: marker)!.upperBound
        return String(body[start...].prefix(64))
    }
}

@Suite("Web site: login, sessions, CSRF, headers")
struct WebSiteTests {
    @Test func loginPageIsJapaneseWithLabelledFieldsAndAStrictCookie() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/login", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            let html = String(buffer: response.body)
            #expect(html.contains("<html lang=\"ja\">"))
            #expect(html.contains("<label for=\"username\">利用者名</label>"))
            #expect(html.contains("<label for=\"password\">パスワード</label>"))
            let cookie = try #require(setCookies(response)["test_login"])
            #expect(cookie.value.count == 64)
            #expect(cookie.attributes.contains("HttpOnly"))
            #expect(cookie.attributes.contains("SameSite=Strict"))
        }
    }

    @Test func aPageNeedsALoginAndReturnsAfterIt() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let anonymous = try await client.get("/person", session: nil)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/login?next=/person")
            #expect(!String(buffer: anonymous.body).contains("山田"))

            let (session, login) = try await client.logIn("tanaka", "correct horse")
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/person")
            let cookie = try #require(setCookies(login)["test_session"])
            #expect(cookie.attributes.contains("HttpOnly"))
            #expect(cookie.attributes.contains("SameSite=Strict"))
            #expect(cookie.attributes.contains("Path=/"))

            let page = try await client.get("/person", session: session)
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            let html = String(buffer: page.body)
            #expect(html.contains("山田 花子"))
            #expect(html.contains("担当: tanaka"))
            #expect(html.contains("aria-current=\"page\""))
            #expect(html.contains("data-live=\"/status\""))
        }
    }

    @Test func aWrongPasswordOrAnUnknownUserIsRefusedWithASentenceNextToTheField() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for (user, password) in [("tanaka", "wrong password"), ("nobody", "correct horse"), ("tanaka", "")] {
                let (session, response) = try await client.logIn(user, password)
                #expect(session == nil)
                #expect(response.status == .unauthorized)
                let html = String(buffer: response.body)
                #expect(html.contains("id=\"login-error\">利用者名またはパスワードが違います。"))
                #expect(html.contains("aria-invalid=\"true\""))
            }
        }
    }

    @Test func repeatedFailuresAreThrottledEvenForTheRightPassword() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for _ in 0..<5 {
                #expect(try await client.logIn("tanaka", "wrong password").response.status == .unauthorized)
            }
            let (session, response) = try await client.logIn("tanaka", "correct horse")
            #expect(session == nil)
            #expect(response.status == .tooManyRequests)
            #expect(String(buffer: response.body).contains("ログインの失敗が続いたため"))
            fixture.clock.advance(by: 15 * 60 + 1)
            #expect(try await client.logIn("tanaka", "correct horse").session != nil)
        }
    }

    @Test func aPostWithoutTheTokenOrFromAnotherSiteIsRefused() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            // The login form itself needs its token.
            let refusedLogin = try await client.execute(
                uri: "/login", method: .post, headers: formType,
                body: form(["username": "tanaka", "password": "correct horse"]))
            #expect(refusedLogin.status == .forbidden)
            #expect(setCookies(refusedLogin)["test_session"] == nil)

            let session = try #require(try await client.logIn("tanaka", "correct horse").session)
            let token = try await client.csrfToken(session: session)
            var headers = formType
            headers[.cookie] = "test_session=\(session)"
            let missing = try await client.execute(uri: "/act", method: .post, headers: headers, body: form(["field": "x"]))
            #expect(missing.status == .forbidden)
            #expect(String(buffer: missing.body).contains("この送信は受け付けられませんでした"))
            let wrong = try await client.execute(uri: "/act", method: .post, headers: headers,
                                                 body: form(["field": "x", "csrf": String(repeating: "0", count: 64)]))
            #expect(wrong.status == .forbidden)
            var crossSite = headers
            crossSite[.origin] = "http://evil.example"
            let foreign = try await client.execute(uri: "/act", method: .post, headers: crossSite,
                                                   body: form(["field": "x", "csrf": token]))
            #expect(foreign.status == .forbidden)
            let accepted = try await client.execute(uri: "/act", method: .post, headers: headers,
                                                    body: form(["field": "ｘ 1", "csrf": token]))
            #expect(accepted.status == .ok)
            #expect(String(buffer: accepted.body) == "done by tanaka with ｘ 1")
        }
    }

    @Test func aSessionExpiresAfterInactivityButNotWhileInUse() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let session = try #require(try await client.logIn("tanaka", "correct horse").session)
            fixture.clock.advance(by: 20 * 60)
            #expect(try await client.get("/person", session: session).status == .ok)
            fixture.clock.advance(by: 20 * 60)
            #expect(try await client.get("/person", session: session).status == .ok)
            fixture.clock.advance(by: 30 * 60 + 1)
            let expired = try await client.get("/person", session: session)
            #expect(expired.status == .seeOther)
            #expect(expired.headers[.location] == "/login?next=/person&expired=1")
            #expect(setCookies(expired)["test_session"]?.attributes.contains("Max-Age=0") == true)
            let login = try await client.execute(uri: "/login?expired=1", method: .get)
            #expect(String(buffer: login.body).contains("一定時間操作がなかったため"))
        }
    }

    @Test func logoutEndsTheSession() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let session = try #require(try await client.logIn("tanaka", "correct horse").session)
            let token = try await client.csrfToken(session: session)
            var headers = formType
            headers[.cookie] = "test_session=\(session)"
            let logout = try await client.execute(uri: "/logout", method: .post, headers: headers, body: form(["csrf": token]))
            #expect(logout.status == .seeOther)
            #expect(logout.headers[.location] == "/login?out=1")
            #expect(try await client.get("/person", session: session).status == .seeOther)
        }
    }

    @Test func removingAUserEndsTheirSessions() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let session = try #require(try await client.logIn("tanaka", "correct horse").session)
            try fixture.users.remove(name: "tanaka")
            #expect(try await client.get("/person", session: session).status == .seeOther)
            #expect(try await client.logIn("tanaka", "correct horse").session == nil)
        }
    }

    @Test func englishOnRequestAndRemembered() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/login?lang=en", method: .get)
            let html = String(buffer: response.body)
            #expect(html.contains("<html lang=\"en\">"))
            #expect(html.contains("<label for=\"username\">User name</label>"))
            #expect(html.contains("href=\"/login?lang=ja\""))
            #expect(setCookies(response)["test_lang"]?.value == "en")
            let again = try await client.execute(uri: "/login", method: .get, headers: [.cookie: "test_lang=en"])
            #expect(String(buffer: again.body).contains("<html lang=\"en\">"))
        }
    }

    @Test func assetsAndLiveFragments() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let css = try await client.execute(uri: "/assets/site.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            let script = try await client.execute(uri: "/assets/live.js", method: .get)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body).contains("data-live"))
            let anonymous = try await client.execute(uri: "/status", method: .get,
                                                     headers: [HTTPField.Name("X-Requested-With")!: "fetch"])
            #expect(anonymous.status == .unauthorized)
            let session = try #require(try await client.logIn("tanaka", "correct horse").session)
            let fragment = try await client.get("/status", session: session)
            #expect(fragment.status == .ok)
            #expect(String(buffer: fragment.body).contains("<p class=\"status status-ok\">接続中</p>"))
        }
    }

    @Test func onlyPathsOnThisSiteAreFollowedAfterLogin() async throws {
        let fixture = try TestSite()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
                let response = try await client.logIn("tanaka", "correct horse", next: next).response
                #expect(response.headers[.location] == "/")
            }
        }
    }
}

@Suite("Web users file")
struct UserFileTests {
    func temporaryPath() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tsunagi-users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("desk-users").path
    }

    @Test func addListRemoveKeepTheFileOwnerOnlyAndHashed() async throws {
        let path = try temporaryPath()
        let file = UserFile(path: path, cost: 4)
        #expect(try WebUserCommand.list(file: file).isEmpty)
        let message = try WebUserCommand.add(file: file, name: "佐藤.b", replace: false, language: .ja) { "long enough" }
        #expect(message.contains("佐藤.b"))
        _ = try WebUserCommand.add(file: file, name: "abe", replace: false, language: .ja) { "another one" }
        #expect(try WebUserCommand.list(file: file) == ["abe", "佐藤.b"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("long enough"))
        #expect(text.contains("佐藤.b:$2"))
        #expect(await file.verify(name: "佐藤.b", password: "long enough"))
        #expect(!(await file.verify(name: "佐藤.b", password: "another one")))

        let duplicate = #expect(throws: WebUserError.self) {
            _ = try WebUserCommand.add(file: file, name: "abe", replace: false, language: .ja) { "whatever1" }
        }
        #expect(duplicate?.code == "user.exists")
        _ = try WebUserCommand.add(file: file, name: "abe", replace: true, language: .ja) { "a new one" }
        #expect(await file.verify(name: "abe", password: "a new one"))

        _ = try WebUserCommand.remove(file: file, name: "abe", language: .en)
        #expect(try WebUserCommand.list(file: file) == ["佐藤.b"])
        let unknown = #expect(throws: WebUserError.self) { _ = try WebUserCommand.remove(file: file, name: "abe", language: .ja) }
        #expect(unknown?.code == "user.unknown")
    }

    @Test func badNamesShortPasswordsAndAFileOthersCanWriteAreRefused() throws {
        let path = try temporaryPath()
        let file = UserFile(path: path, cost: 4)
        for name in ["", "a b", "a:b", "x/y", String(repeating: "a", count: 65)] {
            #expect(throws: WebUserError.self) { try file.add(name: name, password: "long enough") }
        }
        let short = #expect(throws: WebUserError.self) { try file.add(name: "abe", password: "short") }
        #expect(short?.code == "user.password-short")
        try file.add(name: "abe", password: "long enough")
        chmod(path, 0o666)
        let mode = #expect(throws: WebUserError.self) { _ = try file.names() }
        #expect(mode?.code == "user.file-mode")
        #expect(!file.contains("abe"))
    }

    @Test func thePasswordIsReadFromStandardInputUpToTheLineBreak() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = Array("secret pass\r\nignored\n".utf8)
        _ = text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(try UserFile.readPassword(prompt: "", from: fds[0]) == "secret pass")

        #expect(pipe(&fds) == 0)
        _ = Array("short\n".utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        #expect(throws: WebUserError.self) { _ = try UserFile.readPassword(prompt: "", from: fds[0]) }
        close(fds[0])
    }

    @Test func formFieldsAreDecoded() {
        let form = FormData(urlEncoded: "a=1&name=%E5%B1%B1%E7%94%B0+%E8%8A%B1%E5%AD%90&a=2&empty=&bad=%ZZ")
        #expect(form["a"] == "1")
        #expect(form.values("a") == ["1", "2"])
        #expect(form["name"] == "山田 花子")
        #expect(form.trimmed("empty") == nil)
        #expect(form["bad"] == "%ZZ")
        #expect(form["missing"] == nil)
    }
}
