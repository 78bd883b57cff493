import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TsunagiCore
import TsunagiDesk
import TsunagiStore
import TsunagiWeb
import TsunagiWorker

/// A desk for saposute.kochi on a real ledger in a temporary folder, with staff member `sato`.
/// "Today" is 2026-12-02 (a Wednesday).
final class DeskFixture: Sendable {
    let folder: String
    let ledger: AgencyLedger
    let outbox: String
    let rejected: String
    let desk: Desk
    let users: UserFile
    static let today = CivilDate(year: 2026, month: 12, day: 2)!
    static let agencies = [
        DeskAgency(id: AgencyID("saposute.kochi"), name: "こうち若者サポートステーション", kind: "saposute", ackDueBusinessDays: 3),
        DeskAgency(id: AgencyID("peer-support.kochi"), name: "高知ひきこもりピアサポートセンター（本部）", kind: "peer-support", ackDueBusinessDays: 3),
        DeskAgency(id: AgencyID("employment-base.chubu"), name: "就労体験拠点 中部（NPO法人ブルースター）", kind: "employment-base", ackDueBusinessDays: 5),
    ]

    init(connected: Bool = true) throws {
        folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("tsunagi-desk-\(UUID().uuidString)")
        outbox = folder + "/outbox"
        rejected = folder + "/rejected"
        for path in [folder, outbox, rejected] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        ledger = try AgencyLedger(path: folder + "/ledger.sqlite")
        users = UserFile(path: folder + "/desk-users", cost: 4)
        try users.add(name: "sato", password: "desk password")
        let profile = AgencyProfile.saposute
        let reader = ReferralFileReader(agency: AgencyID("saposute.kochi"), profile: profile,
                                        knownDestinations: Set(Self.agencies.map(\.id)))
        let outbox = self.outbox
        let environment = DeskEnvironment(
            agency: AgencyID("saposute.kochi"), kindName: profile.japaneseName,
            personalColumns: profile.personalColumns.map { DeskColumn(heading: $0.heading, key: $0.key, allowedValues: $0.allowedValues) },
            outcomes: profile.outcomes, typicalDestinations: profile.typicalDestinations, ackDueBusinessDays: 3,
            agencies: Self.agencies, ledger: ledger, rejectedFolder: rejected,
            isConnected: { connected },
            check: { data in
                do { _ = try reader.read(data, name: "desk.json"); return nil } catch let refusal as RejectionReason { return refusal.message } catch { return "\(error)" }
            },
            submit: { data, name in try data.write(to: URL(fileURLWithPath: outbox + "/" + name)) },
            today: { DeskFixture.today })
        desk = try Desk(environment: environment, settings: DeskSettings(usersFile: users.path), logger: Logger(label: "desk-test"))
    }

    func application() -> some ApplicationProtocol {
        desk.buildApplication(settings: DeskSettings(host: "127.0.0.1", port: 0, usersFile: users.path), logger: Logger(label: "desk-test"))
    }

    /// A referral that arrived from peer-support.kochi.
    func receive(_ id: String, name: String, created: String = "2026-11-27T09:30:00+09:00", due: String? = nil) throws {
        let dueField = due.map { #", "due_date": "\#($0)""# } ?? ""
        let routing = """
            {"id": "\(id)", "from": "peer-support.kochi", "to": "saposute.kochi", "created_at": "\(created)",
             "needs": ["employment", "place-to-belong"], "age_band": "20s", "sex": "male", "municipality": "須崎市",
             "consent": {"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}\(dueField)}
            """
        let personal = #"{"name": "\#(name)", "contact": "090-1234-5678", "case_number": "K-\#(id)", "note": "午前中は連絡がつきにくい"}"#
        try ledger.recordReceived(Referral(routing: try Routing.decode(json: Array(routing.utf8)), personal: Array(personal.utf8)))
    }

    /// A referral this agency sent to employment-base.chubu, acknowledged by the router.
    func send(_ id: String) throws {
        let routing = """
            {"id": "\(id)", "from": "saposute.kochi", "to": "employment-base.chubu", "created_at": "2026-12-01T10:00:00+09:00",
             "needs": ["employment"], "age_band": "30s", "sex": "female", "municipality": "高知市",
             "consent": {"basis": "person", "obtained_on": "2026-11-30", "recorded_by": "sato"}}
            """
        let referral = Referral(routing: try Routing.decode(json: Array(routing.utf8)), personal: Array(#"{"name": "高橋 明子"}"#.utf8))
        try ledger.recordSent(referral, sourceFile: "\(id).json")
        try ledger.markSubmitted(referral.id, state: .delivered)
    }

    /// The router's status update that a referral is in `state` (as if another agency acted).
    func routerSays(_ id: String, _ state: HandoffState, actor: String, detail: String? = nil, sequence: Int64) throws {
        try ledger.apply(StatusUpdate(sequence: sequence, referral: ReferralID(rawValue: id)!, state: state,
                                      actor: AgencyID(rawValue: actor)!, at: "2026-12-02T01:00:00.000Z", detail: detail))
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

/// A logged-in browser of the desk, keeping its session cookie and the page's CSRF token.
struct DeskClient {
    let client: any TestClientProtocol
    var session = ""
    var csrf = ""

    init(_ client: any TestClientProtocol) { self.client = client }

    static func cookies(_ response: TestResponse) -> [String: (value: String, attributes: String)] {
        var cookies: [String: (String, String)] = [:]
        for line in response.headers[values: .setCookie] {
            let parts = line.split(separator: ";", maxSplits: 1)
            let pair = parts[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            cookies[String(pair[0])] = (pair.count > 1 ? String(pair[1]) : "", parts.count > 1 ? String(parts[1]) : "")
        }
        return cookies
    }

    static func encode(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
            .joined(separator: "&"))
    }

    mutating func logIn(_ user: String = "sato", _ password: String = "desk password") async throws -> TestResponse {
        let page = try await client.execute(uri: "/login", method: .get, headers: [:], body: nil)
        let token = Self.cookies(page)["tsunagi_desk_login"]!.value
        let response = try await client.execute(
            uri: "/login", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "tsunagi_desk_login=\(token)"],
            body: Self.encode([("username", user), ("password", password), ("csrf", token), ("next", "/inbox")]))
        if let session = Self.cookies(response)["tsunagi_desk_session"]?.value {
            self.session = session
            let inbox = try await get("/inbox")
            let html = String(buffer: inbox.body)
            let marker = "name=\"csrf\" value=\""
            csrf = String(html[html.range(of: marker)!.upperBound...].prefix(64))
        }
        return response
    }

    func get(_ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: session.isEmpty ? [:] : [.cookie: "tsunagi_desk_session=\(session)"], body: nil)
    }

    func post(_ uri: String, _ fields: [(String, String)], withToken: Bool = true) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if !session.isEmpty { headers[.cookie] = "tsunagi_desk_session=\(session)" }
        return try await client.execute(uri: uri, method: .post, headers: headers,
                                        body: Self.encode(fields + (withToken ? [("csrf", csrf)] : [])))
    }
}
