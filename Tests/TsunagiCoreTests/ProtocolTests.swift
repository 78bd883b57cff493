import Foundation
import Testing
import TsunagiCore

@Suite("Wire protocol")
struct ProtocolTests {
    static let referral = Referral(
        routing: Routing(
            id: ReferralID(rawValue: "ps-1")!, from: AgencyID("peer-support.kochi"), to: AgencyID("saposute.kochi"),
            createdAt: "2026-11-26T09:30:00+09:00", needs: [.employment], ageBand: .twenties, sex: .unknown,
            municipality: "高知市", consent: Consent(basis: .person, obtainedOn: CivilDate("2026-11-20")!, recordedBy: "相談員A")),
        personal: Array(#"{"name":"x"}"#.utf8))

    @Test("every worker message survives encoding and decoding", arguments: [
        WorkerMessage.hello(software: "tsunagi-saposute/1"), .submit(referral), .transition(.accept, referral.id, detail: nil),
        .transition(.decline, referral.id, detail: "対象外"), .transition(.complete, referral.id, detail: "就職"),
        .transition(.withdraw, referral.id, detail: "本人の希望"), .transition(.confirmDelivery, referral.id, detail: nil),
        .transition(.accept, referral.id, detail: nil, staff: "tanaka"), .transition(.decline, referral.id, detail: "対象外", staff: "山田 花子"),
        .statusAck(sequence: 42), .ping,
        .report(LedgerReport(agency: AgencyID("saposute.kochi"), day: CivilDate("2026-11-26")!, generatedAt: "2026-11-27T01:00:00+09:00",
                             entries: [LedgerEntry(referral: referral.id, counterpart: AgencyID("peer-support.kochi"), direction: .received, state: .accepted)])),
    ])
    func workerRoundTrip(_ message: WorkerMessage) throws {
        #expect(try WorkerMessage.decode(message.frames()) == message)
    }

    @Test("every router message survives encoding and decoding", arguments: [
        RouterMessage.welcome(agency: AgencyID("saposute.kochi"), heartbeatMilliseconds: 1000), .submitted(referral.id, .submitted),
        .deliver(referral), .done(.accept, referral.id, .accepted), .reported(CivilDate("2026-11-26")!), .resend(referral.id), .pong,
        .status(StatusUpdate(sequence: 7, referral: referral.id, state: .declined, actor: AgencyID("saposute.kochi"), at: "2026-11-27T00:00:00.000Z", detail: "対象外")),
        .error(ProtocolError(.conflict, "already submitted with other content"), command: "SUBMIT", referral: "ps-1"),
    ])
    func routerRoundTrip(_ message: RouterMessage) throws {
        #expect(try RouterMessage.decode(message.frames()) == message)
    }

    @Test("error codes and names are stable and unique")
    func errorCodes() {
        #expect(Set(ErrorCode.allCases.map(\.name)).count == ErrorCode.allCases.count)
        #expect(ErrorCode.allCases.allSatisfy { ErrorCode(name: $0.name) == $0 })
    }
}

@Suite("Hand-off state machine")
struct StateMachineTests {
    /// docs/PROTOCOL.md §The hand-off state machine, written out: for each transition, what the
    /// destination and the sender get from each state, in the order submitted, delivered,
    /// accepted, declined, completed, withdrawn, undeliverable. A = applied, R = a repeat answered as done,
    /// N = 413 invalid-transition, W = 412 wrong-actor. A decline, completion or withdrawal here
    /// carries a reason the stored referral does not have, so it is never a repeat.
    static let expected: [(Transition, destination: String, sender: String)] = [
        (.confirmDelivery, destination: "A R R R R R R", sender: "W W W W W W W"),
        (.accept, destination: "A A R N N N N", sender: "W W W W W W W"),
        (.decline, destination: "A A N N N N N", sender: "W W W W W W W"),
        (.complete, destination: "N N A N N N N", sender: "W W W W W W W"),
        (.withdraw, destination: "W W W W W W W", sender: "A A N N N N A"),
        (.undeliverable, destination: "A N N N N N N", sender: "W W W W W W W"),
    ]

    @Test("who may do what, from where: the document's table")
    func rules() {
        let states: [HandoffState] = [.submitted, .delivered, .accepted, .declined, .completed, .withdrawn, .undeliverable]
        #expect(Self.expected.map(\.0) == Transition.allCases)
        for (transition, destination, sender) in Self.expected {
            for (party, row) in [(Party.destination, destination), (.sender, sender)] {
                for (state, letter) in zip(states, row.split(separator: " ")) {
                    let outcome = transition.check(from: state, by: party, detail: transition.requiresDetail ? "理由" : nil, currentDetail: nil)
                    let got: String = switch outcome {
                    case .success(.apply): "A"
                    case .success(.repeatOfDone): "R"
                    case .failure(.notAllowed): "N"
                    case .failure(.wrongActor): "W"
                    case .failure(.detailRequired): "D"
                    }
                    #expect(got == letter, "\(transition) by the \(party) from \(state)")
                }
            }
        }
        // The same reason again is a repeat; another reason is not.
        #expect(Transition.decline.check(from: .declined, by: .destination, detail: "理由", currentDetail: "理由") == .success(.repeatOfDone))
        #expect(Transition.decline.check(from: .declined, by: .destination, detail: "別の理由", currentDetail: "理由") == .failure(.notAllowed(.decline, from: .declined)))
        #expect(Transition.complete.check(from: .completed, by: .destination, detail: "就職", currentDetail: "就職") == .success(.repeatOfDone))
    }

    @Test("decline and withdraw need a reason, complete an outcome")
    func details() {
        #expect(Transition.decline.check(from: .delivered, by: .destination, detail: "\u{3000}", currentDetail: nil) == .failure(.detailRequired(.decline)))
        #expect(Transition.complete.check(from: .accepted, by: .destination, detail: nil, currentDetail: nil) == .failure(.detailRequired(.complete)))
        #expect(Transition.withdraw.check(from: .submitted, by: .sender, detail: "本人の希望", currentDetail: nil) == .success(.apply))
        #expect(Transition.withdraw.check(from: .accepted, by: .sender, detail: "本人の希望", currentDetail: nil) == .failure(.notAllowed(.withdraw, from: .accepted)))
    }
}
