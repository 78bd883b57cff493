import TsunagiCore
import TsunagiStore
import TsunagiWeb

/// Which answers staff may give to a referral now, and why one is refused. The one place the desk
/// decides this: it follows the hand-off state machine (TsunagiCore's `Transition`) on the
/// ledger's state, the answer waiting to be sent, and the kind's outcome words.
public enum DeskAnswers {
    /// A refused answer: the sentence, and the form field it concerns (for the error beside it).
    public struct Refusal: Error, Sendable, Equatable {
        public let sentence: String
        public let field: String?
    }

    /// The answers to offer for the referral as it stands.
    public static func allowed(for entry: LedgerReferral) -> [Transition] {
        let candidates: [Transition] = entry.direction == .received ? [.accept, .decline, .complete] : [.withdraw]
        return candidates.filter { check($0, entry: entry, detail: "-", outcomes: nil, language: .ja) == nil }
    }

    /// Checks an answer posted for the referral; nil when it may be recorded.
    /// - Parameter outcomes: the kind's words for 完了; nil skips that check (for `allowed`).
    public static func check(_ transition: Transition, entry: LedgerReferral, detail: String?, outcomes: [String]?,
                             language: WebLanguage) -> Refusal? {
        let party: Party = entry.direction == .sent ? .sender : .destination
        if let queued = entry.queuedAnswer {
            return Refusal(
                sentence: language.pick(
                    "「\(DeskWords.answer(queued, .ja))」の返事をルーターへ送っているところです。届いてから、あらためて操作してください。",
                    "The answer '\(DeskWords.answer(queued, .en))' is on its way to the router; wait until it has arrived."),
                field: nil)
        }
        let trimmed = detail?.trimmingCharacters(in: .whitespacesAndNewlines)
        switch transition.check(from: entry.state, by: party, detail: trimmed, currentDetail: entry.detail) {
        case .failure(.wrongActor(_, let required)):
            return Refusal(
                sentence: required == .sender
                    ? language.pick("取り下げは、紹介を送った機関だけができます。", "Only the agency that sent a referral can withdraw it.")
                    : language.pick("受け入れ・受け入れできない・完了は、紹介を受けた機関だけができます。",
                                    "Only the agency the referral was sent to can accept, decline or complete it."),
                field: nil)
        case .failure(.detailRequired):
            return transition == .complete
                ? Refusal(sentence: language.pick("結果を選んでください。", "Choose an outcome."), field: "outcome")
                : Refusal(sentence: language.pick("理由を書いてください。理由がないと送れません。", "Write a reason: it cannot be sent without one."),
                          field: "reason")
        case .failure(.notAllowed(_, let state)):
            return Refusal(sentence: notAllowedSentence(transition, state: state, language: language), field: nil)
        case .success(.repeatOfDone):
            return Refusal(
                sentence: language.pick("この紹介はすでに「\(DeskWords.state(entry.state, .ja))」です。変更はありません。",
                                        "This referral is already '\(DeskWords.state(entry.state, .en))'; nothing changes."),
                field: nil)
        case .success(.apply):
            break
        }
        if transition == .complete, let outcomes, let trimmed, !outcomes.contains(trimmed) {
            return Refusal(
                sentence: language.pick("結果は「\(outcomes.joined(separator: "」「"))」から選んでください。",
                                        "Choose the outcome from: \(outcomes.joined(separator: ", ")).")
                , field: "outcome")
        }
        if let trimmed, trimmed.utf8.count > 2048 {
            return Refusal(sentence: language.pick("2,048 バイト（全角でおよそ 680 文字）以内にしてください。",
                                                   "Keep it within 2,048 bytes."),
                           field: transition == .complete ? "outcome" : "reason")
        }
        return nil
    }

    private static func notAllowedSentence(_ transition: Transition, state: HandoffState, language: WebLanguage) -> String {
        let now = DeskWords.state(state, language)
        switch transition {
        case .complete:
            return state == .delivered || state == .submitted
                ? language.pick("完了にできるのは、受け入れた紹介だけです。先に「受け入れる」を選んでください。",
                                "Only an accepted referral can be completed: accept it first.")
                : language.pick("この紹介は「\(now)」のため、完了にできません。", "This referral is '\(now)'; it cannot be completed.")
        case .withdraw:
            return language.pick("この紹介は「\(now)」のため、取り下げられません。取り下げは受け入れの前までです。",
                                 "This referral is '\(now)'; a referral can be withdrawn only until it is accepted.")
        default:
            return language.pick("この紹介は「\(now)」のため、「\(DeskWords.answer(transition, language))」を選べません。",
                                 "This referral is '\(now)'; it cannot be answered '\(DeskWords.answer(transition, language))'.")
        }
    }
}
