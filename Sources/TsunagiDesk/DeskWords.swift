import TsunagiCore
import TsunagiWeb

/// The prefecture's words for the routing vocabularies, as staff read them (English beside).
enum DeskWords {
    static func need(_ need: Need, _ language: WebLanguage) -> String {
        switch need {
        case .employment: language.pick("就労", "Employment")
        case .placeToBelong: language.pick("居場所", "A place to belong")
        case .medical: language.pick("医療", "Medical care")
        case .mentalHealth: language.pick("精神保健", "Mental health")
        case .familySupport: language.pick("家族支援", "Family support")
        case .livingSupport: language.pick("生活支援", "Living support")
        case .schooling: language.pick("修学", "Schooling")
        case .other: language.pick("その他", "Other")
        }
    }

    static func ageBand(_ band: AgeBand, _ language: WebLanguage) -> String {
        language == .ja ? band.japaneseLabel : (band == .unknown ? "Unknown" : band.rawValue)
    }

    static func sex(_ sex: Sex, _ language: WebLanguage) -> String {
        switch sex {
        case .female: language.pick("女性", "Female")
        case .male: language.pick("男性", "Male")
        case .other: language.pick("その他", "Other")
        case .unknown: language.pick("不明・回答なし", "Unknown")
        }
    }

    static func consent(_ basis: ConsentBasis, _ language: WebLanguage) -> String {
        switch basis {
        case .person: language.pick("本人の同意", "The person's consent")
        case .guardian: language.pick("保護者の同意", "A guardian's consent")
        case .supportMeeting: language.pick("支援会議（社会福祉法）", "A support meeting (Social Welfare Act)")
        case .vitalInterest: language.pick("生命・身体の保護（同意を得られない場合）", "Protecting life or body (no consent possible)")
        }
    }

    static func state(_ state: HandoffState, _ language: WebLanguage) -> String {
        switch state {
        case .submitted: language.pick("送信済み（ルーターが保管）", "Submitted (held by the router)")
        case .delivered: language.pick("到着済み（返事待ち）", "Delivered (awaiting an answer)")
        case .accepted: language.pick("受け入れ", "Accepted")
        case .declined: language.pick("受け入れできない", "Declined")
        case .completed: language.pick("完了", "Completed")
        case .withdrawn: language.pick("取り下げ", "Withdrawn")
        }
    }

    /// The button's words for an answer.
    static func answer(_ transition: Transition, _ language: WebLanguage) -> String {
        switch transition {
        case .accept: language.pick("受け入れる", "Accept")
        case .decline: language.pick("受け入れできない", "Decline")
        case .complete: language.pick("完了", "Complete")
        case .withdraw: language.pick("取り下げる", "Withdraw")
        case .confirmDelivery: language.pick("受け取り確認", "Confirm delivery")
        }
    }

    /// "… を記録しました" after an answer was queued.
    static func answerRecorded(_ transition: Transition, _ language: WebLanguage) -> String {
        let what = switch transition {
        case .accept: language.pick("受け入れ", "The acceptance")
        case .decline: language.pick("受け入れできないとの返事", "The decline")
        case .complete: language.pick("完了", "The completion")
        case .withdraw: language.pick("取り下げ", "The withdrawal")
        case .confirmDelivery: language.pick("受け取り確認", "The confirmation")
        }
        return language.pick("\(what)を記録しました。ルーターへ送ります（つながっていないときは、つながり次第送ります）。",
                             "\(what) is recorded; the worker sends it to the router (at once, or as soon as it is connected).")
    }
}
