import Foundation
import Hummingbird
import TsunagiCore
import TsunagiStore
import TsunagiStaff
import TsunagiWeb

/// 受信一覧: what arrived and waits for this agency, overdue first; accepted ones below, waiting
/// for 完了. The list refreshes itself from `/inbox/rows` (live.js); without script it is complete
/// as served.
struct InboxPage {
    let desk: Desk
    static let pageSize = 100

    func register(on pages: RouterGroup<WebContext>) {
        pages.get("/inbox") { request, context in
            let values = try rows(request: request, context: context)
            var all = values
            all["intro"] = context.text(
                "届いた紹介のうち、返事を待っているものです。期限を過ぎたものが先に並びます。この一覧は自動で新しくなります。",
                "Referrals that arrived and await this agency's answer, overdue first. The list refreshes by itself.")
            all["liveURL"] = "/inbox/rows" + (page(request) > 1 ? "?page=\(page(request))" : "")
            return await desk.site.page(WebPage(title: context.text("受信一覧", "Inbox"), template: "desk.inbox", values: all),
                                        request: request, context: context)
        }
        pages.get("/inbox/rows") { request, context in
            WebResponse.html(desk.site.renderer.render("desk.inbox.rows", try rows(request: request, context: context)))
        }
    }

    private func page(_ request: Request) -> Int {
        max(1, request.uri.queryParameters["page"].flatMap { Int($0) } ?? 1)
    }

    struct Item {
        let dueDay: CivilDate
        let overdue: Bool
    }

    func rows(request: Request, context: WebContext) throws -> [String: Any] {
        let environment = desk.environment
        let ledger = environment.ledger
        let language = context.language
        let today = environment.today()
        let calendar = environment.calendar
        // The order comes from the ledger's index by due day: a page reads just the rows it shows.
        // The worker gives each referral its due day as it records it; this catches up after an
        // upgrade or a change of the agency's business days, and its failure (a full disk) must
        // not stop staff from reading the inbox.
        let dueRule = AnswerDueRule(businessDays: environment.ackDueBusinessDays, calendar: calendar)
        do {
            try ledger.fillDueDays(dueRule)
        } catch {
            context.logger.warning("cannot store the inbox's due days; the page computes them", metadata: ["error": "\(error)"])
        }
        let inbox = try ledger.inboxPage(dueRule: dueRule, today: today, pageSize: Self.pageSize, page: page(request))
        let pageCount = max(1, (inbox.waitingCount + Self.pageSize - 1) / Self.pageSize)
        let current = inbox.page
        let rowsByID = Dictionary(try ledger.inboxRows(inbox.waiting.map(\.id)).map { ($0.id.rawValue, $0) },
                                  uniquingKeysWith: { first, _ in first })
        let shown = inbox.waiting.compactMap { entry in
            rowsByID[entry.id].map { (Item(dueDay: entry.dueDay, overdue: today > entry.dueDay), $0) }
        }
        let shownAccepted = try ledger.inboxRows(inbox.accepted)
        let personal = try ledger.receivedPersonalParts(shown.map(\.1.id) + shownAccepted.map(\.id))
        func personName(_ id: ReferralID) -> String {
            personal[id].flatMap(PersonalPart.fields)?["name"] ?? language.pick("（読めません）", "(unreadable)")
        }
        func queued(_ row: InboxRow) -> String? {
            row.queuedAnswer.map { language.pick("「\(StaffWords.answer($0).japanese)」を送信中", "'\(StaffWords.answer($0).english)' being sent") }
        }
        let overdueCount = inbox.overdueCount
        var values: [String: Any] = [
            "summary": language.pick(
                "返事待ち \(inbox.waitingCount) 件（うち期限切れ \(overdueCount) 件）、受け入れ中 \(inbox.acceptedCount) 件。",
                "\(inbox.waitingCount) awaiting an answer (\(overdueCount) overdue), \(inbox.acceptedCount) accepted and in progress."),
            "hasWaiting": !shown.isEmpty,
            "waitingCaption": language.pick("返事を待っている紹介", "Referrals awaiting an answer"),
            "headings": [language.pick("紹介ID", "Referral"), language.pick("氏名", "Name"), language.pick("紹介元", "From"),
                         language.pick("支援ニーズ", "Needs"), language.pick("年代", "Age band"),
                         language.pick("返事の期限", "Answer due"), language.pick("状態", "State")],
            "waiting": shown.map { item, row -> [String: Any] in
                var line: [String: Any] = [
                    "id": row.id.rawValue, "href": "/referrals/\(row.id.rawValue)",
                    "personName": personName(row.id), "from": environment.name(of: row.from),
                    "needs": row.needs.map { StaffWords.need($0).text(language.staff) }.joined(separator: "、"),
                    "ageBand": StaffWords.ageBand(row.ageBand).text(language.staff),
                    "due": dueText(item, today: today, language: language), "overdue": item.overdue,
                    "overdueLabel": language.pick("期限切れ", "Overdue"),
                    "state": StaffWords.state(row.state, .received).text(language.staff),
                ]
                if let queued = queued(row) { line["queued"] = queued }
                return line
            },
            "hasAccepted": !shownAccepted.isEmpty,
            "acceptedCaption": language.pick("受け入れ中（完了の報告待ち）", "Accepted, awaiting completion"),
            "acceptedHeadings": [language.pick("紹介ID", "Referral"), language.pick("氏名", "Name"), language.pick("紹介元", "From"),
                                 language.pick("支援ニーズ", "Needs"), language.pick("届いた日", "Arrived"), language.pick("状態", "State")],
            "accepted": shownAccepted.map { row -> [String: Any] in
                var line: [String: Any] = [
                    "id": row.id.rawValue, "href": "/referrals/\(row.id.rawValue)",
                    "personName": personName(row.id), "from": environment.name(of: row.from),
                    "needs": row.needs.map { StaffWords.need($0).text(language.staff) }.joined(separator: "、"),
                    "acceptedOn": DeskTime.japanese(row.receivedAt), "state": StaffWords.state(row.state, .received).text(language.staff),
                ]
                if let queued = queued(row) { line["queued"] = queued }
                return line
            },
        ]
        if pageCount > 1 {
            var pages: [String: Any] = [
                "label": language.pick("ページ", "Pages"),
                "position": language.pick("\(current) / \(pageCount) ページ", "Page \(current) of \(pageCount)"),
                "previousText": language.pick("前へ", "Previous"), "nextText": language.pick("次へ", "Next"),
            ]
            if current > 1 { pages["previous"] = "/inbox?page=\(current - 1)" }
            if current < pageCount { pages["next"] = "/inbox?page=\(current + 1)" }
            values["pages"] = pages
        }
        return values
    }

    private func dueText(_ item: Item, today: CivilDate, language: WebLanguage) -> String {
        let calendar = desk.environment.calendar
        let day = DeskTime.day(item.dueDay)
        if item.overdue {
            let late = max(1, calendar.businessDays(from: item.dueDay, to: today))
            return language.pick("\(day)（\(late) 営業日過ぎ）", "\(day) (\(late) business day\(late == 1 ? "" : "s") late)")
        }
        if item.dueDay == today { return language.pick("\(day)（今日まで）", "\(day) (today)") }
        let left = calendar.businessDays(from: today, to: item.dueDay)
        return language.pick("\(day)（あと \(left) 営業日）", "\(day) (\(left) business day\(left == 1 ? "" : "s") left)")
    }
}
