import Foundation
import TsunagiCore
import TsunagiStore

/// The words staff read for the referral's values, states, answers and times (Japan time).
public enum StaffWords {
    public struct Pair: Sendable, Hashable {
        public let japanese: String
        public let english: String
        public func text(_ language: StaffLanguage) -> String { language.pick(japanese, english) }
    }

    public static func action(_ transition: Transition) -> Pair {
        switch transition {
        case .accept: Pair(japanese: "受け入れ", english: "acceptance")
        case .decline: Pair(japanese: "受け入れできないとの回答", english: "decline")
        case .complete: Pair(japanese: "完了", english: "completion")
        case .withdraw: Pair(japanese: "取り下げ", english: "withdrawal")
        case .confirmDelivery: Pair(japanese: "受領確認", english: "delivery confirmation")
        case .undeliverable: Pair(japanese: "開封不能の報告", english: "undeliverable report")
        }
    }

    /// The answer as staff choose it (the desk's buttons): the prefecture's words.
    public static func answer(_ transition: Transition) -> Pair {
        switch transition {
        case .accept: Pair(japanese: "受け入れる", english: "Accept")
        case .decline: Pair(japanese: "受け入れできない", english: "Decline")
        case .complete: Pair(japanese: "完了", english: "Complete")
        case .withdraw: Pair(japanese: "取り下げる", english: "Withdraw")
        case .confirmDelivery: Pair(japanese: "受け取り確認", english: "Confirm delivery")
        case .undeliverable: Pair(japanese: "開封できないと報告", english: "Report as undeliverable")
        }
    }

    /// "…に受け入れ済みです" and its English.
    public static func stateSentence(_ state: HandoffState) -> Pair {
        switch state {
        case .submitted: Pair(japanese: "ルーターが受け付け済みです", english: "submitted")
        case .delivered: Pair(japanese: "先方に届いています", english: "delivered")
        case .accepted: Pair(japanese: "受け入れ済みです", english: "accepted")
        case .declined: Pair(japanese: "受け入れできないと回答済みです", english: "declined")
        case .completed: Pair(japanese: "完了済みです", english: "completed")
        case .withdrawn: Pair(japanese: "取り下げ済みです", english: "withdrawn")
        case .undeliverable: Pair(japanese: "本人情報を開封できなかったと報告済みです", english: "reported as undeliverable")
        }
    }

    /// A state in a listing, as the agency on `direction`'s side sees it.
    public static func state(_ state: HandoffState, _ direction: LedgerEntry.Direction) -> Pair {
        switch (state, direction) {
        case (.submitted, .sent): Pair(japanese: "ルーター保管中（先方へ配達待ち）", english: "held by the router, awaiting delivery")
        case (.submitted, .received), (.delivered, .received): Pair(japanese: "未回答", english: "awaiting your answer")
        case (.delivered, .sent): Pair(japanese: "先方に到着（回答待ち）", english: "delivered, awaiting the answer")
        case (.accepted, _): Pair(japanese: "受け入れ", english: "accepted")
        case (.declined, _): Pair(japanese: "受け入れできない", english: "declined")
        case (.completed, _): Pair(japanese: "完了", english: "completed")
        case (.withdrawn, _): Pair(japanese: "取り下げ", english: "withdrawn")
        case (.undeliverable, .sent): Pair(japanese: "開封不能（封緘し直して再送します）", english: "undeliverable: being sealed again and resent")
        case (.undeliverable, .received): Pair(japanese: "開封不能（送信元の再送待ち）", english: "undeliverable: awaiting the sender's resend")
        }
    }

    public static func need(_ need: Need) -> Pair {
        switch need {
        case .employment: Pair(japanese: "就労", english: "employment")
        case .placeToBelong: Pair(japanese: "居場所", english: "a place to belong")
        case .medical: Pair(japanese: "医療", english: "medical care")
        case .mentalHealth: Pair(japanese: "精神保健", english: "mental health")
        case .familySupport: Pair(japanese: "家族支援", english: "family support")
        case .livingSupport: Pair(japanese: "生活支援", english: "living support")
        case .schooling: Pair(japanese: "修学", english: "schooling")
        case .other: Pair(japanese: "その他", english: "other")
        }
    }

    public static func needs(_ needs: [Need], _ language: StaffLanguage) -> String {
        needs.map { need($0).text(language) }.joined(separator: language == .ja ? "・" : ", ")
    }

    public static func sex(_ sex: Sex) -> Pair {
        switch sex {
        case .female: Pair(japanese: "女性", english: "female")
        case .male: Pair(japanese: "男性", english: "male")
        case .other: Pair(japanese: "その他", english: "other")
        case .unknown: Pair(japanese: "不明", english: "unknown")
        }
    }

    public static func ageBand(_ band: AgeBand) -> Pair {
        Pair(japanese: band.japaneseLabel, english: band == .unknown ? "age unknown" : band.rawValue)
    }

    public static func consentBasis(_ basis: ConsentBasis) -> Pair {
        switch basis {
        case .person: Pair(japanese: "本人", english: "the person")
        case .guardian: Pair(japanese: "保護者", english: "a guardian")
        case .supportMeeting: Pair(japanese: "支援会議", english: "a support meeting")
        case .vitalInterest: Pair(japanese: "生命・身体の保護", english: "protection of life or body")
        }
    }

    /// What the router's refusal code means, for staff (the words are TsunagiCore's, beside the codes).
    public static func routerRefusal(code: Int?) -> Pair {
        guard let known = code.flatMap(ErrorCode.init(rawValue:)) else {
            return Pair(japanese: "ルーターが受け付けませんでした。", english: "the router refused it")
        }
        return Pair(japanese: known.japaneseSentence, english: known.englishMeaning)
    }

    /// A full refusal line. In Japanese: the code's Japanese sentence and the code, never the
    /// router's English sentence; in English: the meaning, then the router's own sentence and code.
    public static func routerRefusal(code: Int?, sentence: String?, _ language: StaffLanguage) -> String {
        let meaning = routerRefusal(code: code)
        let codeText = code.map { c in ErrorCode(rawValue: c).map { "\(c) \($0.name)" } ?? "\(c)" }
        switch language {
        case .ja:
            if let codeText {
                let sentence = meaning.japanese.hasSuffix("。") ? String(meaning.japanese.dropLast()) : meaning.japanese
                return "\(sentence)（\(codeText)）。"
            }
            // A refusal recorded without its code: its sentence is the router's English.
            return sentence == nil ? meaning.japanese : "理由は英語でだけ記録されています（英語の表示で読めます: コマンドは --lang en、デスクは画面の「English」から）。"
        case .en:
            let detail = [codeText, sentence].compactMap { $0 }.joined(separator: ": ")
            return detail.isEmpty ? meaning.english : "\(meaning.english) (\(detail))"
        }
    }

    // MARK: Times, in Japan time

    static let japan = TimeZone.japan

    static func date(_ iso: String) -> Date? { Timestamps.parse(iso) }

    /// "12月2日" / "2 Dec 2026".
    public static func day(_ iso: String) -> Pair {
        guard let date = date(iso) else { return Pair(japanese: iso, english: iso) }
        return day(CivilDate(date, in: japan))
    }

    public static func day(_ day: CivilDate) -> Pair {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return Pair(japanese: "\(day.month)月\(day.day)日", english: "\(day.day) \(months[day.month - 1]) \(day.year)")
    }

    /// "2026-12-02 10:05" in Japan time (the same in both languages; `JST` added in English).
    public static func time(_ iso: String, _ language: StaffLanguage) -> String {
        guard let date = date(iso) else { return iso }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = japan
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let text = String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                          parts.hour ?? 0, parts.minute ?? 0)
        return language == .ja ? text : text + " JST"
    }
}
