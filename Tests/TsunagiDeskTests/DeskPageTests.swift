import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TsunagiCore
import TsunagiStore
@testable import TsunagiDesk

@Suite("Desk pages: status codes, headers, refusals")
struct DeskPageTests {
    @Test func everyPageNeedsALogin() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try await fixture.application().test(.router) { client in
            for path in ["/inbox", "/inbox/rows", "/referrals/PS-1", "/new", "/sent", "/rejected", "/status"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location]?.hasPrefix("/login?next=") == true, "\(path)")
                #expect(!String(buffer: response.body).contains("山田"))
            }
            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .seeOther)
        }
    }

    @Test func inboxListsOverdueFirstWithNamesNeedsAgeBandAndDue() async throws {
        let fixture = try DeskFixture()
        // Created 2026-12-01 (Tue): due 3 business days later, 12-04; not overdue on 12-02.
        try fixture.receive("PS-FRESH", name: "新しい 花子", created: "2026-12-01T10:00:00+09:00")
        // Created 2026-11-20 (Fri): due 11-26 (11-23 is a holiday); overdue on 12-02.
        try fixture.receive("PS-LATE", name: "遅れた 次郎", created: "2026-11-20T10:00:00+09:00")
        try fixture.receive("PS-DONE", name: "受入 三郎")
        try fixture.routerSays("PS-DONE", .accepted, actor: "saposute.kochi", sequence: 1)
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let response = try await desk.get("/inbox")
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let html = String(buffer: response.body)
            #expect(html.contains("<html lang=\"ja\">"))
            let late = try #require(html.range(of: "遅れた 次郎"))
            let fresh = try #require(html.range(of: "新しい 花子"))
            #expect(late.lowerBound < fresh.lowerBound)
            #expect(html.contains("<tr class=\"overdue\">"))
            #expect(html.contains("期限切れ"))
            #expect(html.contains("2026/11/26（4 営業日過ぎ）"))
            #expect(html.contains("2026/12/04（あと 2 営業日）"))
            #expect(html.contains("就労、居場所"))
            #expect(html.contains("20代"))
            #expect(html.contains("高知ひきこもりピアサポートセンター（本部）"))
            #expect(html.contains("受け入れ中（完了の報告待ち）"))
            #expect(html.contains("受入 三郎"))
            #expect(html.contains("data-live=\"/inbox/rows\""))
            #expect(html.contains("ルーターに接続しています"))

            let rows = try await desk.get("/inbox/rows")
            #expect(rows.status == .ok)
            #expect(rows.headers[.cacheControl] == "no-store")
            #expect(!String(buffer: rows.body).contains("<html"))
            #expect(String(buffer: rows.body).contains("遅れた 次郎"))

            let english = try await desk.get("/inbox?lang=en")
            #expect(String(buffer: english.body).contains("<html lang=\"en\">"))
            #expect(String(buffer: english.body).contains("Employment, A place to belong") == false)
            #expect(String(buffer: english.body).contains("Overdue"))
        }
    }

    @Test func theHeaderSaysWhenTheWorkerIsNotConnected() async throws {
        let fixture = try DeskFixture(connected: false)
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            #expect(String(buffer: try await desk.get("/inbox").body).contains("ルーターに接続していません"))
            let status = try await desk.get("/status")
            #expect(String(buffer: status.body).contains("status-warning"))
        }
    }

    @Test func detailShowsThePersonAndOnlyTheAnswersTheStateAllows() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let page = try await desk.get("/referrals/PS-1")
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            let html = String(buffer: page.body)
            for text in ["山田 太郎", "090-1234-5678", "K-PS-1", "午前中は連絡がつきにくい", "登録番号", "須崎市", ">本人<"] {
                #expect(html.contains(text), "\(text)")
            }
            #expect(html.contains("id=\"answer-accept\""))
            #expect(html.contains("id=\"answer-decline\""))
            #expect(!html.contains("id=\"answer-complete\""))
            #expect(!html.contains("id=\"answer-withdraw\""))
            #expect(html.contains("<label for=\"decline-reason\">"))

            let missing = try await desk.get("/referrals/NO-SUCH")
            #expect(missing.status == .notFound)
            #expect(String(buffer: missing.body).contains("この ID の紹介は、この機関の台帳にありません"))
        }
    }

    @Test func acceptIsQueuedWithTheStaffMemberAndRecordedInTheEvent() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let response = try await desk.post("/referrals/PS-1/answer", [("answer", "accept")])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/referrals/PS-1?done=accept")
            let queued = try fixture.ledger.queuedAnswers()
            #expect(queued.map(\.transition) == [.accept])
            // The worker hears DONE from the router: the event names the staff member.
            try fixture.ledger.markAnswerDone(.accept, for: ReferralID(rawValue: "PS-1")!, state: .accepted, actor: AgencyID("saposute.kochi"))
            let events = try fixture.ledger.events(for: ReferralID(rawValue: "PS-1")!)
            #expect(events.last?.state == .accepted)
            #expect(events.last?.staff == "sato")
            let page = String(buffer: try await desk.get("/referrals/PS-1").body)
            #expect(page.contains("担当: sato"))
            #expect(page.contains("id=\"answer-complete\""))
            #expect(!page.contains("id=\"answer-accept\""))
        }
    }

    @Test func aReferralTheRouterRefusedReadsInTheStaffsLanguage() async throws {
        let fixture = try DeskFixture()
        try fixture.send("SK-R1")
        let english = "the destination saposute.nowhere is not in the registry"
        try fixture.ledger.markRefused(ReferralID(rawValue: "SK-R1")!, sentence: english, code: ErrorCode.unknownAgency.rawValue)
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            for path in ["/sent", "/referrals/SK-R1"] {
                let html = String(buffer: try await desk.get(path).body)
                // The code's Japanese sentence, then the code.
                #expect(html.contains(String(ErrorCode.unknownAgency.japaneseSentence.dropLast()) + "（406 unknown-agency）"), "\(path)")
                #expect(!html.contains(english), "\(path): the router's English sentence on a Japanese page")
            }
            let inEnglish = String(buffer: try await desk.get("/referrals/SK-R1?lang=en").body)
            #expect(inEnglish.contains(english))
        }
    }

    @Test func refusedAnswersSayWhyAndChangeNothing() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try fixture.receive("PS-2", name: "辞退 済子")
        try fixture.routerSays("PS-2", .declined, actor: "saposute.kochi", detail: "定員", sequence: 1)
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let noReason = try await desk.post("/referrals/PS-1/answer", [("answer", "decline"), ("reason", "  ")])
            #expect(noReason.status == .conflict)
            let html = String(buffer: noReason.body)
            // The same rules and words as the commands (AgencyAnswers), with the desk's hints.
            #expect(html.contains("id=\"decline-reason-error\">受け入れできないとの回答には理由が必要です。理由を書いてください。"))
            #expect(html.contains("aria-invalid=\"true\""))

            let early = try await desk.post("/referrals/PS-1/answer", [("answer", "complete"), ("outcome", "就職")])
            #expect(early.status == .conflict)
            #expect(String(buffer: early.body).contains("PS-1 はまだ受け入れていません。完了の前に「受け入れる」で受け入れてください。"))

            let afterDecline = try await desk.post("/referrals/PS-2/answer", [("answer", "accept")])
            #expect(afterDecline.status == .conflict)
            #expect(String(buffer: afterDecline.body).contains("が受け入れできないと回答済みです（定員）。回答は変えられません。"))

            let notOurs = try await desk.post("/referrals/PS-1/answer", [("answer", "withdraw"), ("reason", "x")])
            #expect(notOurs.status == .conflict)
            #expect(String(buffer: notOurs.body).contains("取り下げは紹介元の"))

            let noToken = try await desk.post("/referrals/PS-1/answer", [("answer", "accept")], withToken: false)
            #expect(noToken.status == .forbidden)
            #expect(try fixture.ledger.queuedAnswers().isEmpty)
        }
    }

    @Test func anAnswerThatIsNoButtonIsABadRequest() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            for answer in ["received", "approve", ""] {
                let response = try await desk.post("/referrals/PS-1/answer", [("answer", answer)])
                #expect(response.status == .badRequest, "\(answer)")
                #expect(String(buffer: response.body).contains("返事の種類が分かりません"))
            }
            let unknown = try await desk.post("/referrals/NO-SUCH/answer", [("answer", "accept")])
            #expect(unknown.status == .notFound)
            #expect(try fixture.ledger.queuedAnswers().isEmpty)
        }
    }

    @Test func completeNeedsAnOutcomeFromTheKindsWords() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try fixture.routerSays("PS-1", .accepted, actor: "saposute.kochi", sequence: 1)
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let page = String(buffer: try await desk.get("/referrals/PS-1").body)
            #expect(page.contains("<option value=\"就職\">就職</option>"))
            let wrong = try await desk.post("/referrals/PS-1/answer", [("answer", "complete"), ("outcome", "一般就労")])
            #expect(wrong.status == .conflict)
            #expect(String(buffer: wrong.body).contains("id=\"complete-outcome-error\">「一般就労」はこの機関の成果の言葉ではありません。就職、修学、職場体験のどれかを"))
            let right = try await desk.post("/referrals/PS-1/answer", [("answer", "complete"), ("outcome", "就職")])
            #expect(right.status == .seeOther)
            #expect(try fixture.ledger.queuedAnswers().map(\.detail) == ["就職"])
        }
    }

    @Test func theSenderMayWithdrawWithAReason() async throws {
        let fixture = try DeskFixture()
        try fixture.send("SK-1")
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let page = String(buffer: try await desk.get("/referrals/SK-1").body)
            #expect(page.contains("id=\"answer-withdraw\""))
            #expect(!page.contains("id=\"answer-accept\""))
            let blank = try await desk.post("/referrals/SK-1/answer", [("answer", "withdraw"), ("reason", "")])
            #expect(blank.status == .conflict)
            let done = try await desk.post("/referrals/SK-1/answer", [("answer", "withdraw"), ("reason", "本人の希望")])
            #expect(done.status == .seeOther)
            #expect(try fixture.ledger.queuedAnswers().map(\.transition) == [.withdraw])
        }
    }

    @Test func newReferralNamesEachErrorNextToItsField() async throws {
        let fixture = try DeskFixture()
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let form = try await desk.get("/new")
            #expect(form.status == .ok)
            let html = String(buffer: form.body)
            for label in ["<label for=\"to\">紹介先", "<legend>支援ニーズ", "<label for=\"consent_basis\">同意の根拠",
                          "<label for=\"consent_obtained_on\">同意取得日", "<label for=\"person_name\">氏名", "<label for=\"person_track\">支援コース"] {
                #expect(html.contains(label), "\(label)")
            }
            #expect(html.contains("就労体験拠点 中部（NPO法人ブルースター）"))
            #expect(!html.contains("value=\"saposute.kochi\""))

            let refused = try await desk.post("/new", [("id", "SK-NEW-1"), ("to", "employment-base.chubu"), ("needs", "employment"),
                                                       ("age_band", "20s"), ("sex", "male"), ("municipality", "高知市"),
                                                       ("person_name", "森 一郎")])
            #expect(refused.status == .unprocessableContent)
            let errors = String(buffer: refused.body)
            #expect(errors.contains("id=\"consent_basis-error\">同意の根拠を選んでください。"))
            #expect(errors.contains("id=\"consent_obtained_on-error\">同意を得た日を書いてください。"))
            #expect(errors.contains("href=\"#consent_basis\""))
            #expect(errors.contains("value=\"森 一郎\""))
            #expect((try FileManager.default.contentsOfDirectory(atPath: fixture.outbox)).isEmpty)
        }
    }

    @Test func aValidNewReferralGoesIntoTheOutboxAsTheWorkerReadsIt() async throws {
        let fixture = try DeskFixture()
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let response = try await desk.post("/new", [
                ("id", "SK-NEW-2"), ("to", "employment-base.chubu"), ("needs", "employment"), ("needs", "place-to-belong"),
                ("age_band", "20s"), ("sex", "male"), ("municipality", "高知市"), ("consent_basis", "person"),
                ("consent_obtained_on", "2026/11/30"), ("consent_recorded_by", "sato"), ("due_date", ""),
                ("person_name", "森 一郎"), ("person_contact", "088-000-0000"), ("person_case_number", "S-77"),
                ("person_track", "一般"), ("person_note", "")])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/sent?new=SK-NEW-2")
            let files = try FileManager.default.contentsOfDirectory(atPath: fixture.outbox)
            #expect(files == ["desk-SK-NEW-2.json"])
            let data = try #require(FileManager.default.contents(atPath: fixture.outbox + "/desk-SK-NEW-2.json"))
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let routing = try #require(document["routing"] as? [String: Any])
            #expect(routing["needs"] as? [String] == ["employment", "place-to-belong"])
            #expect((routing["consent"] as? [String: Any])?["obtained_on"] as? String == "2026-11-30")
            #expect((document["personal"] as? [String: String])?["track"] == "一般")
        }
    }

    @Test func sentAndRejectedPagesSayWhereEachStands() async throws {
        let fixture = try DeskFixture()
        try fixture.send("SK-1")
        try fixture.send("SK-2")
        try fixture.ledger.markRefused(ReferralID(rawValue: "SK-2")!, sentence: "the destination is not in the registry")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: fixture.rejected + "/broken.csv"))
        try Data("line 2, column 紹介先: write an agency id\n".utf8).write(to: URL(fileURLWithPath: fixture.rejected + "/broken.csv.error"))
        try await fixture.application().test(.router) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            let sent = try await desk.get("/sent")
            #expect(sent.status == .ok)
            let html = String(buffer: sent.body)
            #expect(html.contains("SK-1"))
            #expect(html.contains("先方に到着（回答待ち）"))
            // Recorded without its code, the router's English sentence is not put on a Japanese page.
            #expect(html.contains("ルーターが受け付けませんでした:</strong> 理由は英語でだけ記録されています"))
            #expect(!html.contains("the destination is not in the registry"))
            let rejected = try await desk.get("/rejected")
            #expect(rejected.status == .ok)
            let rejectedHTML = String(buffer: rejected.body)
            #expect(rejectedHTML.contains("broken.csv"))
            #expect(rejectedHTML.contains("line 2, column 紹介先: write an agency id"))
            #expect(!rejectedHTML.contains("broken.csv.error"))
        }
    }

    @Test func aWrongPasswordIsRefusedAndLogoutEndsTheDesk() async throws {
        let fixture = try DeskFixture()
        try fixture.receive("PS-1", name: "山田 太郎")
        try await fixture.application().test(.router) { client in
            var intruder = DeskClient(client)
            let refused = try await intruder.logIn("sato", "guess")
            #expect(refused.status == .unauthorized)
            #expect(intruder.session.isEmpty)

            var desk = DeskClient(client)
            let login = try await desk.logIn()
            let cookie = try #require(DeskClient.cookies(login)["tsunagi_desk_session"])
            #expect(cookie.attributes.contains("HttpOnly"))
            #expect(cookie.attributes.contains("SameSite=Strict"))
            let logout = try await desk.post("/logout", [])
            #expect(logout.status == .seeOther)
            let after = try await desk.get("/referrals/PS-1")
            #expect(after.status == .seeOther)
            #expect(!String(buffer: after.body).contains("山田"))
        }
    }
}
