/// The refusals the store decides (docs/PROTOCOL.md §The hand-off state machine, §SUBMIT), each
/// with its code and the sentence a worker's operator reads. The store finds the facts; the words
/// live here, beside the codes, so that every refusal of the protocol is said in one place.
extension ProtocolError {
    /// 409: the id is taken by a referral with other content.
    public static func conflict(_ id: ReferralID) -> ProtocolError {
        ProtocolError(.conflict, "referral \(id) was already submitted with other content: give a changed referral a new id")
    }

    /// 411: no referral has this id.
    public static func notFound(_ id: ReferralID) -> ProtocolError {
        ProtocolError(.notFound, "no referral \(id) is known to the router: check the id")
    }

    /// 412: the agency is neither party to the referral.
    public static func notAParty(_ agency: AgencyID, _ id: ReferralID) -> ProtocolError {
        ProtocolError(.wrongActor, "\(agency) is neither the sender nor the destination of referral \(id)")
    }

    /// 412: the agency is a party, but the transition belongs to the other one.
    public static func wrongActor(_ transition: Transition, _ id: ReferralID, required: Party,
                                  sender: AgencyID, destination: AgencyID) -> ProtocolError {
        ProtocolError(.wrongActor,
                      "only the \(required == .sender ? "sender (\(sender))" : "destination (\(destination))") may \(transition.verb) referral \(id)")
    }

    /// 414: a decline or withdrawal without a reason, a completion without an outcome.
    public static func detailRequired(_ transition: Transition) -> ProtocolError {
        ProtocolError(.detailRequired, "\(transition.verb) needs \(transition == .complete ? "an outcome" : "a reason"): give it and send again")
    }

    /// 413: the referral's state does not allow the transition.
    public static func invalidTransition(_ transition: Transition, _ id: ReferralID, from state: HandoffState) -> ProtocolError {
        ProtocolError(.invalidTransition, "referral \(id) is \(state.rawValue); it cannot be \(transition.target.rawValue) from there")
    }
}

extension Transition {
    /// The verb a person would use, for refusal sentences.
    public var verb: String {
        switch self {
        case .confirmDelivery: "confirm delivery of"
        case .accept: "accept"
        case .decline: "decline"
        case .complete: "complete"
        case .withdraw: "withdraw"
        case .undeliverable: "report as undeliverable"
        }
    }
}

extension ErrorCode {
    /// The refusal as an agency's staff read it in Japanese, in place of the router's English
    /// sentence: what happened and what they can do. The sentence names no referral or agency;
    /// the line it stands in does.
    public var japaneseSentence: String {
        switch self {
        case .badFrames, .unknownCommand, .badJSON:
            "ルーターがワーカーの要求を読めませんでした。ワーカーとルーターの版が合っていないおそれがあります。システム管理者に連絡してください。"
        case .unsupportedVersion:
            "ルーターがこのワーカーの通信の版に対応していません。システム管理者に連絡してください。"
        case .invalidReferral:
            "紹介の内容が正しくありません。直して、新しい紹介IDで送り直してください。"
        case .noConsent:
            "同意の根拠と取得日がありません。同意を記録してから、新しい紹介IDで送り直してください。"
        case .unknownAgency:
            "紹介先が登録簿にない機関です。紹介先の機関IDを確かめ、新しい紹介IDで送り直してください。"
        case .selfReferral:
            "紹介先が自分の機関になっています。紹介先を確かめ、新しい紹介IDで送り直してください。"
        case .tooLarge:
            "紹介が大きすぎます。備考などを短くして、新しい紹介IDで送り直してください。"
        case .conflict:
            "同じ紹介IDで別の内容がすでに送られています。内容を変えた紹介には新しい紹介IDを付けてください。"
        case .spoofedSender:
            "紹介元がこの機関になっていません。設定ファイルの agency を確かめてください（直すのはシステム管理者です）。"
        case .notFound:
            "ルーターにその紹介がありません。紹介IDを確かめてください。"
        case .wrongActor:
            "この機関にはできない操作です。受け入れ・辞退・完了は紹介先が、取り下げは紹介元が行います。"
        case .invalidTransition:
            "紹介の今の状態ではできない操作です。show で紹介の状態と経過を確かめてください。"
        case .detailRequired:
            "辞退・取り下げには理由が、完了には成果が必要です。書き添えて、もう一度してください。"
        case .unauthenticated:
            "ルーターがこの機関の鍵を認めませんでした。システム管理者に連絡してください。"
        case .invalidOutcome:
            "成果の言葉がこの機関の種別のものではありません。種別の成果の言葉で、もう一度完了してください。"
        case .notSealed, .badEnvelope:
            "本人の情報が正しく封緘されていませんでした。システム管理者に連絡してください。"
        case .unknownSealingKey:
            "封緘に使った鍵がルーターの登録簿にありません。登録簿が新しいか、システム管理者に確かめてください。"
        case .cannotOpen:
            "紹介先が本人の情報を開封できませんでした。ワーカーが封緘し直して送り直します。"
        case .storeUnavailable:
            "ルーターが一時的に記録できませんでした。ワーカーが自動で送り直します。"
        case .shuttingDown:
            "ルーターが停止するところでした。ワーカーが自動で送り直します。"
        }
    }

    /// The refusal's meaning in a few English words, put before the router's own sentence.
    public var englishMeaning: String {
        switch self {
        case .badFrames, .unknownCommand, .badJSON: "the router could not read the worker's request"
        case .unsupportedVersion: "the router does not speak this worker's protocol version"
        case .invalidReferral: "the referral is not valid"
        case .noConsent: "the consent basis and date are missing"
        case .unknownAgency: "the destination is not in the registry"
        case .selfReferral: "the referral is addressed to this agency itself"
        case .tooLarge: "the referral is too large"
        case .conflict: "the id was already used with other content"
        case .spoofedSender: "the sender is not this agency"
        case .notFound: "the router does not hold that referral"
        case .wrongActor: "this agency may not do that"
        case .invalidTransition: "the referral's state does not allow it"
        case .detailRequired: "a reason or an outcome is needed"
        case .unauthenticated: "the router did not accept this agency's key"
        case .invalidOutcome: "the outcome is not one of the kind's words"
        case .notSealed, .badEnvelope: "the person's details were not sealed properly"
        case .unknownSealingKey: "the sealing key is not in the router's registry"
        case .cannotOpen: "the destination could not open the person's details"
        case .storeUnavailable: "the router could not record it for now"
        case .shuttingDown: "the router was shutting down"
        }
    }
}
