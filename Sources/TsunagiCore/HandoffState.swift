import Foundation

/// Where a hand-off stands. See product.md §3.
public enum HandoffState: String, Codable, Sendable, CaseIterable, Comparable {
    /// The router holds it durably.
    case submitted
    /// The destination's worker holds it durably.
    case delivered
    case accepted
    case declined
    case completed
    case withdrawn
    /// The destination's worker could not open the sealed personal part (a key it does not hold,
    /// a broken or altered envelope). The sender seals it again and resubmits it under the same id.
    case undeliverable

    /// Submitted or delivered: nobody at the destination has answered yet.
    public var isUnacknowledged: Bool { self == .submitted || self == .delivered }

    /// No further change is possible.
    public var isFinal: Bool { self == .declined || self == .completed || self == .withdrawn }

    public static func < (lhs: HandoffState, rhs: HandoffState) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Japanese label used in coordinator views and reports.
    public var japaneseLabel: String {
        switch self {
        case .submitted: "送信済"
        case .delivered: "到着済"
        case .accepted: "受入"
        case .declined: "辞退"
        case .completed: "完了"
        case .withdrawn: "取り下げ"
        case .undeliverable: "開封不能"
        }
    }
}

/// Who stands where in one referral.
public enum Party: String, Codable, Sendable {
    case sender
    case destination
}

/// A change an agency asks for. `confirmDelivery` is the destination's worker saying it stored
/// the referral; the others are people's decisions.
public enum Transition: String, Codable, Sendable, CaseIterable {
    case confirmDelivery = "received"
    case accept
    case decline
    case complete
    case withdraw
    /// The destination's worker reports that it cannot open the personal part (detail: the code).
    case undeliverable

    /// The state the referral is in afterwards.
    public var target: HandoffState {
        switch self {
        case .confirmDelivery: .delivered
        case .accept: .accepted
        case .decline: .declined
        case .complete: .completed
        case .withdraw: .withdrawn
        case .undeliverable: .undeliverable
        }
    }

    /// The one party allowed to make this change.
    public var actor: Party {
        self == .withdraw ? .sender : .destination
    }

    /// States this change may start from.
    public var allowedFrom: Set<HandoffState> {
        switch self {
        case .confirmDelivery: [.submitted]
        case .accept, .decline: [.submitted, .delivered]
        case .complete: [.accepted]
        case .withdraw: [.submitted, .delivered, .undeliverable]
        case .undeliverable: [.submitted]
        }
    }

    /// Decline and withdraw need a reason; complete needs an outcome.
    public var requiresDetail: Bool { self != .confirmDelivery && self != .accept }

    /// The answers staff give (accept, decline, complete, withdraw) may name the staff member who
    /// gave them; delivery confirmations and undeliverable reports are the worker's own.
    public var carriesStaff: Bool { [.accept, .decline, .complete, .withdraw].contains(self) }
}

/// Why a transition cannot be applied.
public enum TransitionRefusal: Error, Equatable, Sendable {
    case wrongActor(Transition, required: Party)
    case notAllowed(Transition, from: HandoffState)
    case detailRequired(Transition)
}

extension Transition {
    /// Checks a transition against the referral's current state and the asking party.
    /// Asking again for a change that already happened, with the same detail, is not a refusal:
    /// the caller answers it as done (`isRepeat`), so retries are harmless.
    public func check(from state: HandoffState, by party: Party, detail: String?, currentDetail: String?)
        -> Result<Outcome, TransitionRefusal>
    {
        guard party == actor else { return .failure(.wrongActor(self, required: actor)) }
        if requiresDetail, (detail ?? "").isBlank {
            return .failure(.detailRequired(self))
        }
        // A late or repeated delivery confirmation changes nothing once the referral has moved on.
        if self == .confirmDelivery, state != .submitted { return .success(.repeatOfDone) }
        if state == target, !requiresDetail || detail == currentDetail { return .success(.repeatOfDone) }
        guard allowedFrom.contains(state) else { return .failure(.notAllowed(self, from: state)) }
        return .success(.apply)
    }

    public enum Outcome: Equatable, Sendable {
        case apply
        case repeatOfDone
    }
}
