import ArgumentParser
import Foundation
import TsunagiCore
import TsunagiStore

/// The staff's views of the ledger: inbox, sent, show and status, in Japanese (or English), or
/// as JSON with `--json` (docs/CLI.md).
extension WorkerCommand {
    struct Inbox: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List referrals that arrived and await an answer, overdue first.")
        @Flag(help: "Also list referrals already answered.") var all = false
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var options: ConfigOption

        func run() throws {
            let context = try options.open()
            let today = CivilDate.today()
            let open = try context.ledger.received().filter { all || !$0.state.isFinal }
            let ordered = open.enumerated().sorted { lhs, rhs in
                let (l, r) = (context.isOverdue(lhs.element, today: today), context.isOverdue(rhs.element, today: today))
                return l != r ? l : lhs.offset < rhs.offset
            }.map(\.element)
            if json {
                try printJSON(["agency": context.settings.agency.rawValue,
                               "referrals": ordered.map { ListingJSON.item($0, context: context, today: today) }])
                return
            }
            let language = context.language
            if ordered.isEmpty {
                context.say(all ? "まだ何も届いていません。" : "回答を待っている紹介はありません。",
                            all ? "Nothing has arrived yet." : "Nothing awaits an answer.")
                return
            }
            let overdue = ordered.filter { context.isOverdue($0, today: today) }.count
            context.say("受信箱: \(ordered.count) 件\(overdue > 0 ? "（期限切れ \(overdue) 件）" : "")",
                        "Inbox: \(ordered.count) referral\(ordered.count == 1 ? "" : "s")\(overdue > 0 ? " (\(overdue) overdue)" : "")")
            for entry in ordered {
                let routing = entry.referral.routing
                let due = StaffWords.day(context.dueDay(entry)).text(language)
                let late = context.isOverdue(entry, today: today)
                print(language.pick(
                    "\(late ? "!! " : "")\(routing.id)  \(context.names.japanese(routing.from))から  \(StaffWords.time(routing.createdAt, language))  "
                        + "\(StaffWords.needs(routing.needs, language))  \(StaffWords.ageBand(routing.ageBand).japanese) \(StaffWords.sex(routing.sex).japanese) \(routing.municipality)  "
                        + "期限 \(due)\(late ? "（期限切れ）" : "")  \(StaffWords.state(entry.state, .received).japanese)",
                    "\(late ? "!! " : "")\(routing.id)  from \(context.names.english(routing.from))  \(StaffWords.time(routing.createdAt, language))  "
                        + "\(StaffWords.needs(routing.needs, language))  \(StaffWords.ageBand(routing.ageBand).english) \(StaffWords.sex(routing.sex).english) \(routing.municipality)  "
                        + "due \(due)\(late ? " (OVERDUE)" : "")  \(StaffWords.state(entry.state, .received).english)"))
                ListingLines.notes(entry, context: context).forEach { print("    " + $0) }
            }
            context.say("一人ひとりの詳細: show ID", "Each person's details: show ID")
        }
    }

    struct Sent: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List what this agency sent and where each stands.")
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var options: ConfigOption

        func run() throws {
            let context = try options.open()
            let today = CivilDate.today()
            let entries = try context.ledger.sent()
            if json {
                try printJSON(["agency": context.settings.agency.rawValue,
                               "referrals": entries.map { ListingJSON.item($0, context: context, today: today) }])
                return
            }
            let language = context.language
            if entries.isEmpty {
                context.say("まだ何も送っていません。", "Nothing has been sent yet.")
                return
            }
            for entry in entries {
                let routing = entry.referral.routing
                let late = context.isOverdue(entry, today: today)
                var state: String
                if entry.refusal != nil {
                    state = language.pick("ルーターが受け付けませんでした", "refused by the router")
                } else if !entry.acknowledged {
                    state = language.pick("ルーターの受付待ち", "waiting for the router")
                } else {
                    state = StaffWords.state(entry.state, .sent).text(language)
                    if let detail = entry.detail, entry.state.isFinal { state += language.pick("（\(detail)）", " — \(detail)") }
                    if late { state += language.pick("（期限 \(StaffWords.day(context.dueDay(entry)).japanese) を過ぎています）",
                                                      " (OVERDUE since \(StaffWords.day(context.dueDay(entry)).english))") }
                }
                print(language.pick(
                    "\(routing.id)  \(context.names.japanese(routing.to))へ  \(StaffWords.time(routing.createdAt, language))  \(state)",
                    "\(routing.id)  to \(context.names.english(routing.to))  \(StaffWords.time(routing.createdAt, language))  \(state)"))
                ListingLines.notes(entry, context: context).forEach { print("    " + $0) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one referral readably: routing, the person, history and answers.")
        @Argument(help: "The referral id.") var id: String
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var options: ConfigOption

        func run() throws {
            _ = options.language
            guard let referralID = AgencyAnswers.referralID(typed: id) else {
                throw CommandFailure("「\(id)」は紹介IDではありません（英数字と . _ : -）。", "'\(id)' is not a referral id.")
            }
            let context = try options.open()
            guard let found = try context.ledger.referralCase(referralID) else {
                throw CommandFailure("\(referralID) という紹介はこの機関の台帳にありません。inbox / sent で番号を確かめてください。",
                                     "there is no referral \(referralID) in this agency's ledger: check the id with 'inbox' or 'sent'.")
            }
            if json {
                try printJSON(ListingJSON.detail(found, context: context))
            } else {
                ShowText(found: found, context: context).lines().forEach { print($0) }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether the worker runs and is connected, what waits, and what was refused.",
            discussion: "Exit status: 0 running and connected, 3 not running, 4 running but not connected.")
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var options: ConfigOption

        func run() throws {
            let context = try options.open()
            let status = try WorkerStatus.gather(context)
            if json {
                try printJSON(status.json(context))
            } else {
                status.lines(context).forEach { print($0) }
            }
            if !status.running { throw ExitCode(WorkerExit.notRunning) }
            if !status.connected { throw ExitCode(WorkerExit.notConnected) }
        }
    }
}

/// The lines under a listing row: an answer waiting to be sent, and every refusal in words.
enum ListingLines {
    static func notes(_ entry: LedgerReferral, context: WorkerContext) -> [String] {
        let language = context.language
        var lines: [String] = []
        if let queued = entry.queuedAnswer {
            lines.append(language.pick("→ \(StaffWords.action(queued).japanese)をルーターへ送信待ち",
                                       "→ \(StaffWords.action(queued).english) waiting to reach the router"))
        }
        if let refusal = entry.refusal {
            lines.append(language.pick("✗ ルーターが受け付けませんでした: ", "✗ refused by the router: ")
                         + StaffWords.routerRefusal(code: entry.refusalCode, sentence: refusal, language))
        }
        for answer in entry.refusedAnswers {
            lines.append(language.pick("✗ \(StaffWords.action(answer.transition).japanese)（\(StaffWords.time(answer.answeredAt ?? answer.queuedAt, language))）をルーターが受け付けませんでした: ",
                                       "✗ the router refused the \(StaffWords.action(answer.transition).english) (\(StaffWords.time(answer.answeredAt ?? answer.queuedAt, language))): ")
                         + StaffWords.routerRefusal(code: answer.errorCode, sentence: answer.error, language))
        }
        if entry.direction == .received, entry.state == .accepted, entry.queuedAnswer == nil {
            lines.append(language.pick("支援が終わったら complete \(entry.referral.id) --outcome … で成果を記録してください（\(context.profile.outcomes.joined(separator: " / "))）",
                                       "complete it with an outcome when done (\(context.profile.outcomes.joined(separator: " / ")))"))
        }
        return lines
    }
}

/// The `--json` shapes of inbox, sent and show (docs/CLI.md). Values are the protocol's words;
/// names are the registry's.
enum ListingJSON {
    static func optional(_ value: Any?) -> Any { value ?? NSNull() }

    static func answer(_ answer: LedgerAnswer) -> [String: Any] {
        ["action": answer.transition.rawValue, "detail": optional(answer.detail), "status": answer.status.rawValue,
         "queued_at": answer.queuedAt, "answered_at": optional(answer.answeredAt),
         "error_code": optional(answer.errorCode), "error": optional(answer.error)]
    }

    static func item(_ entry: LedgerReferral, context: WorkerContext, today: CivilDate) -> [String: Any] {
        let routing = entry.referral.routing
        var item: [String: Any] = [
            "id": routing.id.rawValue, "from": routing.from.rawValue, "to": routing.to.rawValue,
            "from_name": context.names.japanese(routing.from), "to_name": context.names.japanese(routing.to),
            "created_at": routing.createdAt, "needs": routing.needs.map(\.rawValue), "age_band": routing.ageBand.rawValue,
            "sex": routing.sex.rawValue, "municipality": routing.municipality,
            "due_date": context.dueDay(entry).description, "overdue": context.isOverdue(entry, today: today),
            "state": entry.state.rawValue, "state_at": entry.stateAt, "detail": optional(entry.detail),
            "queued_answer": optional(entry.queuedAnswer?.rawValue),
            "refused_answers": entry.refusedAnswers.map(answer),
        ]
        if entry.direction == .received {
            item["received_at"] = entry.arrivedAt
            item["personal_erased_at"] = optional(entry.personalErasedAt)
        } else {
            item["recorded_at"] = entry.arrivedAt
            item["acknowledged"] = entry.acknowledged
            item["source_file"] = optional(entry.sourceFile)
            item["router_refusal"] = entry.refusal.map { ["code": optional(entry.refusalCode), "error": $0] as [String: Any] } ?? NSNull()
        }
        return item
    }

    static func detail(_ found: LedgerCase, context: WorkerContext) throws -> [String: Any] {
        var detail = item(found.entry, context: context, today: .today())
        detail["direction"] = found.entry.direction.rawValue
        detail["routing"] = try JSONSerialization.jsonObject(with: Data(found.entry.referral.routing.canonicalJSON()))
        detail["personal"] = PersonalPart.object(found.entry).map { $0 as Any } ?? NSNull()
        detail["events"] = found.events.map { event -> [String: Any] in
            ["state": event.state.rawValue, "actor": optional(event.actor?.rawValue), "at": event.at, "detail": optional(event.detail)]
        }
        detail["answers"] = found.answers.map(answer)
        return detail
    }
}

/// The person's part as this agency may read it.
enum PersonalPart {
    /// The personal JSON object, or nil when erased or not readable JSON.
    static func object(_ entry: LedgerReferral) -> [String: Any]? {
        guard entry.personalErasedAt == nil, !entry.referral.personal.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(entry.referral.personal))) as? [String: Any]
    }
}

/// `show ID` as text.
struct ShowText {
    let found: LedgerCase
    let context: WorkerContext

    func lines() -> [String] {
        let language = context.language
        let entry = found.entry
        let routing = entry.referral.routing
        let names = context.names
        func row(_ ja: String, _ en: String, _ value: String) -> String { "  \(language.pick(ja, en)): \(value)" }
        var lines: [String] = []
        lines.append(language.pick("紹介 \(routing.id)（\(entry.direction == .received ? "受信" : "送信")）",
                                   "Referral \(routing.id) (\(entry.direction == .received ? "received" : "sent"))"))
        lines.append(row("紹介元", "from", names.name(routing.from, language)))
        lines.append(row("紹介先", "to", names.name(routing.to, language)))
        lines.append(row("作成", "created", StaffWords.time(routing.createdAt, language)))
        lines.append(row(entry.direction == .received ? "到着" : "記録", entry.direction == .received ? "arrived" : "recorded",
                         StaffWords.time(entry.arrivedAt, language)))
        var state = StaffWords.state(entry.state, entry.direction).text(language)
        if let detail = entry.detail, entry.state.isFinal || entry.state == .accepted { state += language.pick("（\(detail)）", " — \(detail)") }
        lines.append(row("状態", "state", state + "  " + StaffWords.time(entry.stateAt, language)))
        let late = context.isOverdue(entry)
        lines.append(row("回答期限", "answer due", StaffWords.day(context.dueDay(entry)).text(language) + (late ? language.pick("（期限切れ）", " (OVERDUE)") : "")))
        lines.append(row("支援ニーズ", "needs", StaffWords.needs(routing.needs, language)))
        lines.append(row("年代・性別", "age, sex", "\(StaffWords.ageBand(routing.ageBand).text(language))\(language.pick("・", ", "))\(StaffWords.sex(routing.sex).text(language))"))
        lines.append(row("市町村", "municipality", routing.municipality))
        lines.append(row("同意", "consent", language.pick(
            "\(StaffWords.consentBasis(routing.consent.basis).japanese)（\(routing.consent.obtainedOn) 取得、記録者 \(routing.consent.recordedBy)）",
            "\(StaffWords.consentBasis(routing.consent.basis).english) (obtained \(routing.consent.obtainedOn), recorded by \(routing.consent.recordedBy))")))
        ListingLines.notes(entry, context: context).forEach { lines.append("  " + $0) }

        lines.append(language.pick("本人の情報", "The person"))
        if let erased = entry.personalErasedAt {
            lines.append("  " + language.pick("紹介元が取り下げたため、この機関の台帳から消去しました（\(StaffWords.time(erased, language))）。",
                                              "erased from this agency's ledger when the sender withdrew the referral (\(StaffWords.time(erased, language)))."))
        } else if let personal = PersonalPart.object(entry) {
            let order = ["name", "contact", "case_number"] + context.profile.extraColumns.map(\.key) + ["note"]
            let keys = order.filter { personal[$0] != nil } + personal.keys.filter { !order.contains($0) }.sorted()
            for key in keys {
                lines.append("  \(StaffWords.personalKey(key, profile: context.profile, language)): \(personal[key].map { "\($0)" } ?? "")")
            }
        } else {
            lines.append("  " + language.pick("（読める形ではありません）", "(not readable here)"))
        }

        lines.append(language.pick("経過", "History"))
        for event in found.events {
            var line = "  \(StaffWords.time(event.at, language))  \(language.pick(event.state.japaneseLabel, event.state.rawValue))"
            if let actor = event.actor { line += "  \(names.name(actor, language))" }
            if let detail = event.detail { line += language.pick("（\(detail)）", " — \(detail)") }
            lines.append(line)
        }
        return lines
    }
}

extension StaffWords {
    /// The personal part's keys, as the CSV headings call them.
    public static func personalKey(_ key: String, profile: AgencyProfile, _ language: StaffLanguage) -> String {
        guard language == .ja else { return key.replacingOccurrences(of: "_", with: " ") }
        switch key {
        case "name": return "氏名"
        case "contact": return "連絡先"
        case "case_number": return "紹介元の番号"
        case "note": return "備考"
        case "channel": return "相談経路"
        case "track": return "支援コース"
        case "program": return "利用区分"
        default: return profile.personalColumns.first { $0.key == key }?.heading ?? key
        }
    }
}
