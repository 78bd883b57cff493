import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport
import TsunagiTools
import TsunagiWeb
@testable import TsunagiConsole

/// Every console route through the real application (HummingbirdTesting, no socket): status,
/// no-store, cookies, and what is refused.
@Suite struct ConsoleRouteTests {
    static let password = "console-pass-1"

    /// The console on the fixture's store, one account "chosei", the router's status at an address
    /// where nothing listens.
    static func application(_ fixture: ConsoleFixture) throws -> some ApplicationProtocol {
        let users = "\(fixture.directory)/console-users"
        try UserFile(path: users, cost: 4).add(name: "chosei", password: password)
        var config = ConsoleConfig(storePath: fixture.storePath, registryPath: "\(fixture.directory)/agencies.toml",
                                   usersPath: users)
        config.routerStatusURL = "http://127.0.0.1:1"
        let console = try ConsoleApplication(config: config, data: try fixture.data())
        return console.buildApplication(host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    }

    /// Logs in as a person would: the login page's token and cookie, then the form. Returns the cookies.
    static func logIn(_ client: some TestClientProtocol) async throws -> String {
        let page = try await client.execute(uri: "/login", method: .get)
        let html = String(buffer: page.body)
        let token = try #require(html.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
        let loginCookie = try #require(cookie(page, named: "tsunagi_console_login"))
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.cookie] = "tsunagi_console_login=\(loginCookie)"
        let body = "csrf=\(token)&username=chosei&password=\(password)&next=%2F"
        let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
        #expect(response.status == .seeOther)
        let session = try #require(cookie(response, named: "tsunagi_console_session"))
        return "tsunagi_console_session=\(session)"
    }

    static func cookie(_ response: TestResponse, named name: String) -> String? {
        for field in response.headers[values: .setCookie] where field.hasPrefix(name + "=") {
            let value = field.dropFirst(name.count + 1).prefix { $0 != ";" }
            if !value.isEmpty { return String(value) }
        }
        return nil
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.cookie] = cookie
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    static let pages = ["/", "/unacknowledged/live", "/referrals/SK-20261120-01", "/report", "/report.csv", "/report.json",
                        "/reconcile", "/connections"]

    @Test func everyPageNeedsALogin() async throws {
        let fixture = try ConsoleFixture()
        try await Self.application(fixture).test(.router) { client in
            for page in Self.pages {
                let response = try await client.execute(uri: page, method: .get)
                #expect(response.status == .seeOther, "\(page)")
                #expect(response.headers[.location]?.hasPrefix("/login?next=") == true, "\(page)")
                #expect(!String(buffer: response.body).contains("SK-20261120-01"))
            }
            // The live view's fetch gets 401, not the login page in place of the table.
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Requested-With")!] = "fetch"
            let live = try await client.execute(uri: "/unacknowledged/live", method: .get, headers: headers)
            #expect(live.status == .unauthorized)
            // A wrong password is refused with the reason next to the field.
            let page = try await client.execute(uri: "/login", method: .get)
            let token = String(buffer: page.body).firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1 ?? ""
            var post = HTTPFields()
            post[.contentType] = "application/x-www-form-urlencoded"
            post[.cookie] = "tsunagi_console_login=\(Self.cookie(page, named: "tsunagi_console_login") ?? "")"
            let refused = try await client.execute(uri: "/login", method: .post, headers: post,
                                                   body: ByteBuffer(string: "csrf=\(token)&username=chosei&password=wrong-pass"))
            #expect(refused.status == .unauthorized)
            #expect(Self.cookie(refused, named: "tsunagi_console_session") == nil)
        }
    }

    @Test func everyPageIsServedNotStoredAndFreeOfThePersonalPart() async throws {
        let fixture = try ConsoleFixture()
        let reader = try StoreReader(path: fixture.storePath)
        try ReconcileRecords.write(try Reconciler.run(day: CivilDate("2026-11-20")!, reader: reader), storePath: fixture.storePath)
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            for page in Self.pages {
                let response = try await Self.get(client, page, cookie: cookie)
                let body = String(buffer: response.body)
                #expect(response.status == .ok, "\(page): \(body.prefix(400))")
                #expect(response.headers[.cacheControl] == "no-store", "\(page)")
                #expect(!body.contains(ConsoleFixture.plantedName) && !body.contains(ConsoleFixture.plantedContact), "\(page)")
                if !page.hasPrefix("/report.") && page != "/unacknowledged/live" {
                    #expect(body.contains("<html lang=") && body.contains("lang=\"ja\""), "\(page)")
                }
            }
        }
    }

    @Test func unacknowledgedPageShowsOverdueFirstAndFilters() async throws {
        let fixture = try ConsoleFixture()
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            let all = String(buffer: try await Self.get(client, "/", cookie: cookie).body)
            let overdue = try #require(all.range(of: "SK-20261120-01")), later = try #require(all.range(of: "PS-20261202-01"))
            #expect(overdue.lowerBound < later.lowerBound)
            #expect(all.contains("須崎福祉保健所") && all.contains("期限超過") && all.contains("data-live=\"/unacknowledged/live\""))
            let hata = String(buffer: try await Self.get(client, "/?region=%E5%B9%A1%E5%A4%9A", cookie: cookie).body)
            #expect(hata.contains("PS-20261202-01") && !hata.contains("SK-20261120-01"))
            #expect(hata.contains("data-live=\"/unacknowledged/live?region=%E5%B9%A1%E5%A4%9A\""))
            let live = String(buffer: try await Self.get(client, "/unacknowledged/live?region=%E5%B9%A1%E5%A4%9A", cookie: cookie).body)
            #expect(live.contains("PS-20261202-01") && !live.contains("SK-20261120-01") && !live.contains("<html"))
            // An unknown region is named next to its field, and the page says 400.
            let bad = try await Self.get(client, "/?region=%E6%9D%B1%E4%BA%AC", cookie: cookie)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("id=\"region-error\""))
            // A referral arriving shows on the next live refresh.
            try fixture.submit("MU-20261203-01", from: "municipality.kochi", to: "saposute.kochi")
            let after = String(buffer: try await Self.get(client, "/unacknowledged/live", cookie: cookie).body)
            #expect(after.contains("MU-20261203-01") && after.contains("4件"))
        }
    }

    @Test func undeliverableReferralsShowOnThePageAndItsFilter() async throws {
        let fixture = try ConsoleFixture()
        try fixture.addUndeliverable("SK-20261127-01")
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            let all = String(buffer: try await Self.get(client, "/", cookie: cookie).body)
            #expect(all.contains("SK-20261127-01") && all.contains("開封不能（送信元の再送待ち）"))
            #expect(all.contains("開封不能の<strong>1件</strong>を含みます"))
            #expect(all.contains("<option value=\"undeliverable\">開封不能</option>"))
            let chosen = String(buffer: try await Self.get(client, "/?state=undeliverable", cookie: cookie).body)
            #expect(chosen.contains("SK-20261127-01") && !chosen.contains("SK-20261120-01"))
            #expect(chosen.contains("<option value=\"undeliverable\" selected>開封不能</option>"))
            #expect(!chosen.contains(ConsoleFixture.plantedName))
        }
    }

    @Test func historyAndItsRefusals() async throws {
        let fixture = try ConsoleFixture()
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            let page = String(buffer: try await Self.get(client, "/referrals/PS-20261105-01", cookie: cookie).body)
            #expect(page.contains("就職") && page.contains("受入") && page.contains("完了") && page.contains("高知市"))
            let missing = try await Self.get(client, "/referrals/NO-SUCH-1", cookie: cookie)
            #expect(missing.status == .notFound && missing.headers[.cacheControl] == "no-store")
            let malformed = try await Self.get(client, "/referrals/%3Cscript%3E", cookie: cookie)
            #expect(malformed.status == .badRequest)
            #expect(!String(buffer: malformed.body).contains("<script>"))
        }
    }

    @Test func reportDownloadsAndRefusals() async throws {
        let fixture = try ConsoleFixture()
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            let csv = try await Self.get(client, "/report.csv?period=R8", cookie: cookie)
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let bytes = Array(csv.body.readableBytesView)
            #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
            #expect(String(decoding: bytes, as: UTF8.self).contains("他機関へのつなぎ"))
            let json = try await Self.get(client, "/report.json?period=R5.4-R5.7", cookie: cookie)
            #expect(json.status == .ok)
            #expect((try? JSONSerialization.jsonObject(with: Data(json.body.readableBytesView))) != nil)
            let bad = try await Self.get(client, "/report?period=%E6%9D%A5%E5%B9%B4", cookie: cookie)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("id=\"period-error\""))
            let badDownload = try await Self.get(client, "/report.csv?period=R0", cookie: cookie)
            #expect(badDownload.status == .badRequest)
        }
    }

    @Test func connectionsSaysWhenTheRouterCannotBeAsked() async throws {
        let fixture = try ConsoleFixture()
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            let page = String(buffer: try await Self.get(client, "/connections", cookie: cookie).body)
            #expect(page.contains("ルーターに接続状況を問い合わせられませんでした"))
            #expect(page.contains("須崎福祉保健所"))
        }
    }

    @Test func aPostWithoutTheSessionsTokenIsRefused() async throws {
        let fixture = try ConsoleFixture()
        try await Self.application(fixture).test(.router) { client in
            let cookie = try await Self.logIn(client)
            var headers = HTTPFields()
            headers[.cookie] = cookie
            headers[.contentType] = "application/x-www-form-urlencoded"
            let response = try await client.execute(uri: "/logout", method: .post, headers: headers, body: ByteBuffer(string: "csrf=forged"))
            #expect(response.status == .forbidden)
            // Still logged in: the forged logout did nothing.
            #expect(try await Self.get(client, "/", cookie: cookie).status == .ok)
        }
    }
}
