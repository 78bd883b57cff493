import Foundation
import Hummingbird
import TsunagiCore
import TsunagiStore
import TsunagiStaff
import TsunagiWeb

/// 紹介の詳細: the routing facts, the person, the history, and only the answers the state allows.
/// A posted answer is checked and queued by the rules the commands use (`AgencyAnswers`, in the
/// ledger's transaction) with the staff member's name; the worker sends it as it sends the command
/// line's answers.
struct ReferralPage {
    let desk: Desk

    func register(on pages: RouterGroup<WebContext>) {
        pages.get("/referrals/:id") { request, context in
            guard let (entry, id) = try find(context) else { return await notFound(request: request, context: context) }
            var notice: String?
            if let done = request.uri.queryParameters["done"].flatMap({ Transition(rawValue: String($0)) }) {
                notice = AgencyAnswers.queuedSentence(done, id: id, detail: nil, channel: .desk).text(context.language.staff)
            }
            return await render(entry, id: id, request: request, context: context, notice: notice)
        }
        pages.post("/referrals/:id/answer") { request, context in
            guard let (entry, id) = try find(context) else { return await notFound(request: request, context: context) }
            let language = context.language
            guard let transition = context.form["answer"].flatMap(Transition.init(rawValue:)), transition != .confirmDelivery else {
                return await render(entry, id: id, request: request, context: context, status: .badRequest,
                                    alert: language.pick("返事の種類が分かりません。ボタンから選んでください。",
                                                         "The answer is not one of the buttons; choose one of them."))
            }
            let detail = transition == .complete ? context.form["outcome"] : context.form["reason"]
            let environment = desk.environment
            let verdict: AgencyAnswers.Verdict
            do {
                verdict = try AgencyAnswers.give(transition, id: id, detail: detail, staff: context.userName, ledger: environment.ledger,
                                                 outcomes: environment.outcomes, names: environment.names, channel: .desk)
            } catch {
                return await render(entry, id: id, request: request, context: context, status: .conflict,
                                    alert: language.pick("記録できませんでした: \(error)", "Not recorded: \(error)"))
            }
            switch verdict {
            case .queued:
                break
            case .alreadyGiven(let sentence):
                return await render(entry, id: id, request: request, context: context, status: .conflict, alert: sentence.text(language.staff))
            case .refused(let sentence):
                desk.site.logger.notice("desk answer refused", metadata: [
                    "referral.id": "\(id)", "answer": "\(transition.rawValue)", "user": "\(context.userName ?? "-")",
                ])
                let text = sentence.text(language.staff)
                let field = Self.detailIsTheProblem(transition, detail, outcomes: environment.outcomes)
                    ? (transition == .complete ? "outcome" : "reason") : nil
                return await render(entry, id: id, request: request, context: context, status: .conflict,
                                    alert: text, fieldError: field.map { (transition, $0, text, detail ?? "") })
            }
            desk.site.logger.info("desk answer queued", metadata: [
                "referral.id": "\(id)", "answer": "\(transition.rawValue)", "user": "\(context.userName ?? "-")",
            ])
            return WebResponse.redirect(to: "/referrals/\(id.rawValue)?done=\(transition.rawValue)")
        }
    }

    /// Whether a refusal is about the reason or outcome typed (shown beside that field).
    static func detailIsTheProblem(_ transition: Transition, _ detail: String?, outcomes: [String]) -> Bool {
        guard transition.requiresDetail else { return false }
        let typed = detail?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return typed.isEmpty || typed.utf8.count > Limits.detailBytes
            || (transition == .complete && !outcomes.contains(typed.precomposedStringWithCompatibilityMapping))
    }

    private func find(_ context: WebContext) throws -> (LedgerReferral, ReferralID)? {
        guard let text = context.parameters.get("id"), let id = ReferralID(rawValue: text) else { return nil }
        let ledger = desk.environment.ledger
        guard let entry = try ledger.receivedEntry(id) ?? ledger.sentEntry(id) else { return nil }
        return (entry, id)
    }

    private func notFound(request: Request, context: WebContext) async -> Response {
        await desk.site.messagePage(
            title: context.text("紹介が見つかりません", "Referral not found"),
            message: context.text("この ID の紹介は、この機関の台帳にありません。受信一覧か送信済みから開いてください。",
                                  "This agency's ledger holds no referral with this id. Open it from the inbox or the sent list."),
            status: .notFound, link: NavItem(href: "/inbox", label: context.text("受信一覧へ", "To the inbox")),
            request: request, context: context)
    }

    private func render(_ entry: LedgerReferral, id: ReferralID, request: Request, context: WebContext,
                        status: HTTPResponse.Status = .ok, notice: String? = nil, alert: String? = nil,
                        fieldError: (Transition, String, String, String)? = nil) async -> Response {
        let environment = desk.environment
        let language = context.language
        let routing = entry.referral.routing
        let received = entry.direction == .received
        var facts: [[String: String]] = [
            ["label": language.pick("紹介ID", "Referral id"), "value": routing.id.rawValue],
            ["label": language.pick("状態", "State"), "value": StaffWords.state(entry.state, entry.direction).text(language.staff)
                + (entry.detail.map { language.pick("（\($0)）", " (\($0))") } ?? "")],
            ["label": language.pick("紹介元", "From"), "value": environment.name(of: routing.from)],
            ["label": language.pick("紹介先", "To"), "value": environment.name(of: routing.to)],
            ["label": language.pick("作成日時", "Created"), "value": DeskTime.japanese(routing.createdAt)],
            ["label": language.pick("支援ニーズ", "Needs"), "value": routing.needs.map { StaffWords.need($0).text(language.staff) }.joined(separator: "、")],
            ["label": language.pick("年代", "Age band"), "value": StaffWords.ageBand(routing.ageBand).text(language.staff)],
            ["label": language.pick("性別", "Sex"), "value": StaffWords.sex(routing.sex).text(language.staff)],
            ["label": language.pick("市町村", "Municipality"), "value": routing.municipality],
            ["label": language.pick("同意の根拠", "Consent basis"), "value": StaffWords.consentBasis(routing.consent.basis).text(language.staff)],
            ["label": language.pick("同意取得日", "Consent obtained"), "value": DeskTime.day(routing.consent.obtainedOn)],
            ["label": language.pick("同意記録者", "Consent recorded by"), "value": routing.consent.recordedBy],
        ]
        if let due = routing.dueDate {
            facts.append(["label": language.pick("返事の期限（紹介元の指定）", "Answer due (set by the sender)"), "value": DeskTime.day(due)])
        }
        if let refusal = entry.refusal {
            // The code's sentence in the staff's language; the router's own (English) sentence only in English.
            let words = StaffWords.routerRefusal(code: entry.refusalCode, sentence: refusal, language.staff)
            facts.append(["label": language.pick("ルーターの判断", "The router's answer"),
                          "value": language.pick("受け付けられませんでした: \(words)", "Refused: \(words)")])
        }
        var values: [String: Any] = [
            "csrf": context.session?.csrfToken ?? "",
            "routingHeading": language.pick("紹介の内容", "Routing facts"),
            "personHeading": language.pick("ご本人", "The person"),
            "facts": facts,
            "answersHeading": language.pick("返事", "Answer"),
            "historyHeading": language.pick("経過", "History"),
            "historyHeadings": [language.pick("日時", "When"), language.pick("状態", "State"), language.pick("誰が", "Who"),
                                language.pick("理由・結果", "Reason or outcome")],
            "backHref": received ? "/inbox" : "/sent",
            "backText": received ? language.pick("受信一覧へ戻る", "Back to the inbox") : language.pick("送信済みへ戻る", "Back to the sent list"),
        ]
        if let fields = PersonalPart.fields(entry.referral.personal) {
            var person: [[String: String]] = []
            for column in environment.personalColumns {
                person.append(["label": column.heading, "value": fields[column.key] ?? ""])
            }
            values["person"] = person
        } else {
            values["personUnreadable"] = language.pick("ご本人の情報は、この端末では読めない形式です。", "The person's details cannot be read here.")
        }
        let action = "/referrals/\(id.rawValue)/answer"
        let required = language.pick("必須", "required")
        let allowed = ((try? environment.ledger.referralCase(id)) ?? nil)
            .map { AgencyAnswers.allowed(for: $0, outcomes: environment.outcomes, names: environment.names) } ?? []
        func error(_ transition: Transition) -> (String, String)? {
            guard let fieldError, fieldError.0 == transition else { return nil }
            return (fieldError.2, fieldError.3)
        }
        if allowed.contains(.accept) {
            values["accept"] = ["action": action, "button": StaffWords.answer(.accept).text(language.staff),
                                "hint": language.pick("この方を受け入れます。", "Take this person on.")]
        }
        if allowed.contains(.decline) {
            var form: [String: Any] = ["action": action, "button": StaffWords.answer(.decline).text(language.staff), "required": required,
                                       "label": language.pick("受け入れできない理由", "Why this agency cannot take the person")]
            if let (message, value) = error(.decline) { form["error"] = message; form["value"] = value }
            values["decline"] = form
        }
        if allowed.contains(.complete) {
            let chosen = error(.complete)?.1
            var form: [String: Any] = [
                "action": action, "button": StaffWords.answer(.complete).text(language.staff), "required": required,
                "label": language.pick("結果", "Outcome"), "choose": language.pick("選んでください", "Choose"),
                "outcomes": environment.outcomes.map { ["value": $0, "selected": $0 == chosen] },
            ]
            if let (message, _) = error(.complete) { form["error"] = message }
            values["complete"] = form
        }
        if allowed.contains(.withdraw) {
            var form: [String: Any] = ["action": action, "button": StaffWords.answer(.withdraw).text(language.staff), "required": required,
                                       "label": language.pick("取り下げる理由", "Why the referral is withdrawn")]
            if let (message, value) = error(.withdraw) { form["error"] = message; form["value"] = value }
            values["withdraw"] = form
        }
        values["hasAnswers"] = !allowed.isEmpty
        if allowed.isEmpty {
            values["noAnswers"] = entry.queuedAnswer != nil
                ? language.pick("返事をルーターへ送っているところです。届くと状態が変わります。",
                                "The answer is on its way to the router; the state changes when it arrives.")
                : language.pick("この紹介に、いまできる返事はありません。", "There is no answer to give to this referral now.")
        }
        let refusals = (try? environment.ledger.refusedAnswers(for: id)) ?? []
        values["refusals"] = refusals.map {
            language.pick("ルーターが「\(StaffWords.answer($0.transition).japanese)」を受け付けませんでした: \(StaffWords.routerRefusal(code: $0.code, sentence: $0.sentence, .ja))",
                          "The router refused '\(StaffWords.answer($0.transition).english)': \(StaffWords.routerRefusal(code: $0.code, sentence: $0.sentence, .en))")
        }
        let events = (try? environment.ledger.events(for: id)) ?? []
        values["history"] = events.map { event -> [String: String] in
            let agency = event.actor.map { environment.name(of: $0) } ?? "—"
            return ["at": DeskTime.japanese(event.at), "state": StaffWords.state(event.state, entry.direction).text(language.staff),
                    "actor": agency + (event.staff.map { language.pick("（担当: \($0)）", " (staff: \($0))") } ?? ""),
                    "detail": event.detail ?? ""]
        }
        let title = language.pick("紹介の詳細", "Referral") + " " + id.rawValue
        return await desk.site.page(WebPage(title: title, template: "desk.referral", values: values, status: status,
                                            notice: notice, alert: alert),
                                    request: request, context: context)
    }
}
