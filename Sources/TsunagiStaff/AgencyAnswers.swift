import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiStore

/// The rules for the agency's own answers (accept, decline, complete, withdraw), checked against
/// the referral as the ledger holds it, so that staff hear at once — on the command line or the
/// desk — when an answer cannot be given, and nothing is queued or sent then.
public enum AgencyAnswers {
    /// Where staff give the answer: a sentence's hint names what they type or press there.
    public enum Channel: Sendable {
        case command
        case desk
    }

    /// What a check (or a give) came to.
    public enum Verdict: Sendable, Equatable {
        /// The answer may be given (`check`) or was queued for the router (`give`).
        case queued(StaffSentence)
        /// The same answer was given before: nothing new is queued. Not a refusal.
        case alreadyGiven(StaffSentence)
        /// The answer cannot be given; nothing is queued.
        case refused(StaffSentence)

        public var sentence: StaffSentence {
            switch self {
            case .queued(let sentence), .alreadyGiven(let sentence), .refused(let sentence): sentence
            }
        }

        public var isRefusal: Bool { if case .refused = self { true } else { false } }
    }

    /// Checks an answer against the referral as the ledger holds it (`found`, nil when the ledger
    /// has no such referral). `outcomes` are the agency kind's words for `complete`.
    public static func check(_ transition: Transition, id: ReferralID, detail: String?, found: LedgerCase?,
                             outcomes: [String], names: AgencyNames, channel: Channel = .command) -> Verdict {
        let detail = typed(transition, detail)
        let desk = channel == .desk
        if transition.requiresDetail, (detail ?? "").isEmpty {
            if transition == .complete {
                return .refused(desk
                    ? StaffSentence("完了には成果が必要です。\(outcomes.joined(separator: "、"))から選んでください。",
                                    "Completing needs an outcome: choose one of \(outcomes.joined(separator: ", ")).")
                    : StaffSentence("完了には成果が必要です（--outcome \(outcomes.joined(separator: " / "))）。",
                                    "complete needs an outcome (--outcome \(outcomes.joined(separator: " / ")))."))
            }
            return .refused(StaffSentence("\(StaffWords.action(transition).japanese)には理由が必要です\(desk ? "。理由を書いてください。" : "（--reason …）。")",
                                          "\(transition.rawValue) needs a reason\(desk ? ": write one." : " (--reason …)."))"))
        }
        if let detail, detail.utf8.count > Limits.detailBytes {
            return .refused(StaffSentence("\(transition == .complete ? "成果" : "理由")は 2,048 バイト（全角でおよそ 680 文字）以内にしてください。",
                                          "Keep the \(transition == .complete ? "outcome" : "reason") within 2,048 bytes."))
        }
        if transition == .complete, let detail, !outcomes.contains(detail) {
            return .refused(StaffSentence(
                "「\(detail)」はこの機関の成果の言葉ではありません。\(outcomes.joined(separator: "、"))のどれかを\(desk ? "選んで" : "書いて")ください。",
                "'\(detail)' is not an outcome of this agency: use one of \(outcomes.joined(separator: ", "))."))
        }
        guard let found else {
            return .refused(desk
                ? StaffSentence("\(id) という紹介はこの機関の台帳にありません。受信一覧か送信済みから開いてください。",
                                "There is no referral \(id) in this agency's ledger: open it from the inbox or the sent list.")
                : StaffSentence(
                "\(id) という紹介はこの機関の受信箱にも送信済みにもありません。inbox / sent で番号を確かめてください。",
                "there is no referral \(id) in this agency's inbox or sent list: check the id with 'inbox' or 'sent'."))
        }
        let entry = found.entry
        let routing = entry.referral.routing
        let mine = transition == .withdraw ? LedgerEntry.Direction.sent : .received
        guard entry.direction == mine else {
            if transition == .withdraw {
                return .refused(StaffSentence(
                    "\(id) は\(names.japanese(routing.from))から届いた紹介です。取り下げは紹介元の\(names.japanese(routing.from))だけができます\(desk ? "。" : "（こちらは accept / decline / complete）。")",
                    "\(id) came from \(names.english(routing.from)): only the sender can withdraw it (here: accept, decline or complete)."))
            }
            return .refused(StaffSentence(
                "\(id) はこの機関が\(names.japanese(routing.to))へ送った紹介です。受け入れ・受け入れできないとの回答・完了は紹介先の\(names.japanese(routing.to))が行います\(desk ? "。" : "（こちらは withdraw だけ）。")",
                "\(id) was sent by this agency to \(names.english(routing.to)): only the destination accepts, declines or completes it (here: withdraw)."))
        }
        if let refusal = entry.refusal {
            return .refused(StaffSentence(
                "\(id) はルーターに受け付けられなかった紹介です。先方には届いていないので、取り下げる必要はありません。ルーターの理由: \(StaffWords.routerRefusal(code: entry.refusalCode, sentence: refusal, .ja))",
                "\(id) was refused by the router (\(StaffWords.routerRefusal(code: entry.refusalCode, sentence: refusal, .en))); it never reached the destination, so there is nothing to withdraw."))
        }
        // Where the referral will stand once the answers already given reach the router.
        let pending = found.answers.last { $0.status == .queued }
        let state = pending?.transition.target ?? entry.state
        let when: String
        let actor: AgencyID
        let earlier: String?
        if let pending {
            when = pending.queuedAt
            actor = transition == .withdraw ? routing.from : routing.to
            earlier = pending.detail
        } else {
            let event = found.event(reaching: state)
            when = event?.at ?? entry.stateAt
            actor = event?.actor ?? (state == .withdrawn ? routing.from : routing.to)
            earlier = event?.detail ?? entry.detail
        }
        let who = names.japanese(actor)
        let whoEn = names.english(actor)
        let day = StaffWords.day(when)
        let waiting = pending == nil ? "" : "（ルーターへ送信待ち）"
        let waitingEn = pending == nil ? "" : " (waiting to reach the router)"
        let becauseJa = earlier.map { "（\($0)）" } ?? ""
        let becauseEn = earlier.map { " (\($0))" } ?? ""

        if state == transition.target {
            if !transition.requiresDetail || earlier == detail {
                return .alreadyGiven(StaffSentence(
                    "\(id) は\(day.japanese)に\(StaffWords.stateSentence(state).japanese)\(becauseJa)\(waiting)。同じ回答なので、新しく送るものはありません。",
                    "\(id) was already \(state.rawValue) on \(day.english)\(becauseEn)\(waitingEn): nothing new to send."))
            }
        }
        if transition.allowedFrom.contains(state) {
            return .queued(queuedSentence(transition, id: id, detail: detail, channel: channel))
        }
        switch state {
        case .undeliverable:
            return .refused(StaffSentence(
                "\(id) は本人情報を開封できなかったため、送信元が封緘し直して送り直すのを待っています。届いてから回答してください。",
                "\(id) could not be opened: it waits for the sender to seal it again and resend it; answer once it arrives."))
        case .submitted, .delivered:
            return .refused(StaffSentence(
                "\(id) はまだ受け入れていません。完了の前に\(desk ? "「受け入れる」" : " accept ")で受け入れてください。",
                "\(id) has not been accepted yet: accept it before completing it."))
        case .declined where transition == .withdraw:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に\(who)が受け入れできないと回答済みです\(becauseJa)\(waiting)。受け入れられていないので、取り下げる必要はありません。",
                "\(id) was declined on \(day.english) by \(whoEn)\(becauseEn)\(waitingEn); there is nothing to withdraw."))
        case .completed where transition == .withdraw:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に\(who)が完了（\(earlier ?? "")）として記録済みです\(waiting)。支援が終わった紹介は取り下げられません。",
                "\(id) was completed on \(day.english) by \(whoEn) with the outcome \(earlier ?? "")\(waitingEn); a completed referral cannot be withdrawn."))
        case .declined:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に\(who)が受け入れできないと回答済みです\(becauseJa)\(waiting)。回答は変えられません。",
                "\(id) was declined on \(day.english) by \(whoEn)\(becauseEn)\(waitingEn); the answer cannot change."))
        case .completed:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に完了（\(earlier ?? "")）として記録済みです\(waiting)。成果は変えられません。",
                "\(id) was completed on \(day.english) with the outcome \(earlier ?? "")\(waitingEn); the outcome cannot change."))
        case .withdrawn:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に\(names.japanese(routing.from))が取り下げました\(becauseJa)\(waiting)。回答は要りません。",
                "\(id) was withdrawn on \(day.english) by \(names.english(routing.from))\(becauseEn)\(waitingEn); no answer is needed."))
        case .accepted where transition == .withdraw:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に\(who)が受け入れ済みです\(waiting)。受け入れ後は取り下げられません。先方に連絡してください。",
                "\(id) was accepted on \(day.english) by \(whoEn)\(waitingEn); an accepted referral cannot be withdrawn: talk to the destination."))
        case .accepted:
            return .refused(StaffSentence(
                "\(id) は\(day.japanese)に受け入れ済みです\(waiting)。受け入れできないとの回答はできません。支援が終わったら\(desk ? "「完了」" : " complete ")で成果を記録してください。",
                "\(id) was accepted on \(day.english)\(waitingEn); it cannot be declined now: complete it with an outcome when done."))
        }
    }

    /// The answers to offer for the referral as it stands: those `check` would queue.
    public static func allowed(for found: LedgerCase, outcomes: [String], names: AgencyNames) -> [Transition] {
        let candidates: [Transition] = found.entry.direction == .received ? [.accept, .decline, .complete] : [.withdraw]
        return candidates.filter { transition in
            let sample = transition == .complete ? outcomes.first : (transition.requiresDetail ? "-" : nil)
            if case .queued = check(transition, id: found.entry.referral.id, detail: sample, found: found, outcomes: outcomes,
                                    names: names, channel: .desk) { return true }
            return false
        }
    }

    /// Checks the answer and, when it may be given, queues it for the daemon in the same ledger
    /// transaction (so no other answer slips in between). `staff` names the staff member who gave
    /// it (the desk's login, or `--staff`); it goes with the answer into both audit trails.
    public static func give(_ transition: Transition, id: ReferralID, detail: String?, staff: String? = nil,
                            ledger: AgencyLedger, outcomes: [String], names: AgencyNames,
                            channel: Channel = .command) throws -> Verdict {
        let trimmed = typed(transition, detail)
        let staff = staff?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let staff, let problem = StaffName.problem(staff) {
            return .refused(problem.code == .tooLarge
                ? StaffSentence("担当者名が長すぎます（\(Limits.staffBytes) バイトまで）。", "The staff name is too long (at most \(Limits.staffBytes) bytes).")
                : StaffSentence("担当者名が空か、使えない文字（改行など）を含んでいます。", "The staff name is blank or contains a control character (a line break, …)."))
        }
        var verdict: Verdict?
        let stop = try ledger.queueAnswer(transition, for: id, detail: trimmed, staff: staff) { found -> Verdict? in
            let checked = check(transition, id: id, detail: trimmed, found: found, outcomes: outcomes, names: names, channel: channel)
            verdict = checked
            if case .queued = checked { return nil }
            return checked
        }
        return stop ?? verdict ?? .refused(StaffSentence("\(id) を確かめられませんでした。", "could not check \(id)."))
    }

    /// The detail as staff typed it, trimmed; an outcome also in its plain form (NFKC), so that
    /// `一般就労：農業` typed with a Japanese input method is the kind's `一般就労:農業`, as in the CSV.
    static func typed(_ transition: Transition, _ detail: String?) -> String? {
        let trimmed = detail?.trimmingCharacters(in: .whitespacesAndNewlines)
        return transition == .complete ? trimmed?.precomposedStringWithCompatibilityMapping : trimmed
    }

    /// A referral id as staff typed it: full-width letters and digits (`ＳＫ－００３３`) in their
    /// plain form, as the CSV reads them.
    public static func referralID(typed text: String) -> ReferralID? {
        ReferralID(rawValue: text.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCompatibilityMapping)
    }

    public static func queuedSentence(_ transition: Transition, id: ReferralID, detail: String?,
                                      channel: Channel = .command) -> StaffSentence {
        let action = StaffWords.action(transition)
        let what = detail.map { "（\($0)）" } ?? ""
        if channel == .desk {
            return StaffSentence(
                "\(action.japanese)\(what)を記録しました。ルーターへ送ります（つながっていないときは、つながり次第送ります）。",
                "\(action.english.prefix(1).uppercased() + action.english.dropFirst())\(detail.map { " (\($0))" } ?? "") is recorded; the worker sends it to the router (at once, or as soon as it is connected).")
        }
        return StaffSentence(
            "\(id) の\(action.japanese)\(what)を記録しました。ワーカーがルーターへ送ります（今すぐ、またはつながりしだい）。status で届いたか確かめられます。",
            "\(id): \(action.english)\(detail.map { " (\($0))" } ?? "") recorded; the worker sends it to the router (now, or as soon as it is reachable). 'status' shows whether it arrived.")
    }
}

/// Agencies' names as the registry gives them (the id when there is no registry or no entry).
public struct AgencyNames: Sendable {
    public let names: [AgencyID: String]

    public init(registry: [AgencyID: String] = [:]) { names = registry }

    public init(registry: AgencyRegistry?) {
        names = registry.map { Dictionary(uniqueKeysWithValues: $0.agencies.map { ($0.key, $0.value.name) }) } ?? [:]
    }

    public func japanese(_ id: AgencyID) -> String { names[id] ?? id.rawValue }
    public func english(_ id: AgencyID) -> String { names[id].map { "\($0) (\(id))" } ?? id.rawValue }
    public func name(_ id: AgencyID, _ language: StaffLanguage) -> String { language == .ja ? japanese(id) : english(id) }

    /// The registry's name, if it knows the agency.
    public func registered(_ id: AgencyID) -> String? { names[id] }
}
