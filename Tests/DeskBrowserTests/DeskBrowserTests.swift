import Foundation
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport

/// The desk in a real browser: the real router and two real workers on loopback, headless
/// Chromium driven by selenium (Tests/browser/desk.py) clicking what staff click, and the stores
/// checked from here. Screenshots of each page go to docs/screenshots/.
@Suite("Desk in a browser", .serialized)
struct DeskBrowserTests {
    let desk = AgencyID("saposute.kochi")
    let other = AgencyID("peer-support.kochi")

    @Test func staffReceiveAnswerAndSendThroughTheDesk() throws {
        let harness = try RouterHarness()
        let port = try freeLoopbackPort()
        try harness.enableDesk(desk, port: port)
        let added = try harness.addDeskUser(desk, name: "tanaka", password: "kochi desk 2026")
        #expect(added.status == 0, "\(added.output)")
        let again = try harness.addDeskUser(desk, name: "tanaka", password: "kochi desk 2026")
        #expect(again.status != 0)
        #expect(again.output.contains("すでにいます"))

        try harness.startRouter()
        defer { harness.stopRouter() }
        let deskWorker = try harness.startWorker(desk)
        defer { deskWorker.stop() }
        let otherWorker = try harness.startWorker(other)
        defer { otherWorker.stop() }
        #expect(waitUntil(.seconds(60)) { isListening(port: port) }, "the desk did not listen: \(harness.logs())")

        // A file the worker refuses, for 取り込めなかったファイル.
        try harness.drop(Data("紹介ID,紹介先\nX-1,nowhere\n".utf8), named: "broken-list.csv", into: desk)
        #expect(waitUntil(.seconds(30)) { harness.files(desk, "rejected").contains("broken-list.csv") })

        let incoming = "PS-DESK-\(UUID().uuidString.prefix(6))"
        let arguments: [String: String] = [
            "base": "http://127.0.0.1:\(port)", "user": "tanaka", "password": "kochi desk 2026",
            "agency": desk.rawValue, "sender": other.rawValue, "sender_outbox": harness.folder(other, "outbox"),
            "incoming": incoming, "person": "須崎 太郎", "new_person": "森 花子", "rejected_file": "broken-list.csv",
            "screenshots": TestPython.packageRoot.appendingPathComponent("docs/screenshots").path,
        ]
        let script = TestPython.packageRoot.appendingPathComponent("Tests/browser/desk.py").path
        let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
        let result = try runPython(script, json)
        #expect(result.status == 0, "\(result.output)\n\(harness.logs())")
        let seen = try #require(result.output.split(separator: "\n").last.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }?["seen"] as? [String: Any], "\(result.output)")

        // 受け入れる reached the router's store and the sender's ledger, with the staff member named.
        let id = ReferralID(rawValue: incoming)!
        #expect(waitUntil(.seconds(30)) { (try? harness.reader().summary(of: id)?.state) == .accepted }, "\(harness.logs())")
        let senderLedger = try harness.ledger(other)
        #expect(waitUntil(.seconds(30)) { (try? senderLedger.sentEntry(id)?.state) == .accepted })
        let deskLedger = try harness.ledger(desk)
        let accepted = try deskLedger.events(for: id).last
        #expect(accepted?.state == .accepted)
        #expect(accepted?.staff == "tanaka")
        // The router's audit trail has the staff member too (TSP/1's staff frame), and the
        // coordinators' `tsunagi show` names her beside the agency.
        let routerEvent = try harness.reader().history(of: id).last
        #expect(routerEvent?.state == .accepted && routerEvent?.actor == desk && routerEvent?.staff == "tanaka")
        let shown = try runCommand("tsunagi", ["show", incoming, "--config", harness.network.routerConfigPath])
        #expect(shown.status == 0 && shown.output.contains("by saposute.kochi (staff: tanaka)"), "\(shown.output)")

        // The referral sent through the form was delivered to the other worker.
        let newID = try #require((seen["new_id"] as? String).flatMap(ReferralID.init(rawValue:)))
        #expect(waitUntil(.seconds(30)) { (try? senderLedger.receivedEntry(newID)) != nil }, "\(harness.logs())")
        let delivered = try #require(try senderLedger.receivedEntry(newID))
        #expect(delivered.referral.routing.from == desk)
        #expect(String(decoding: delivered.referral.personal, as: UTF8.self).contains("森 花子"))

        for key in ["wrong_password_refused", "appeared_without_reload", "decline_without_reason_refused",
                    "post_without_token_refused", "accepted", "logout_needs_login"] {
            #expect(seen[key] as? Bool == true, "\(key)")
        }
        // Nothing but the accept was queued: the refused decline and the token-less post changed nothing.
        #expect(try deskLedger.events(for: id).map(\.state) == [.delivered, .accepted])
    }

    private func runPython(_ script: String, _ argument: String) throws -> CommandResult {
        try runToEnd(TestPython.executable, [script, argument])
    }
}
