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
