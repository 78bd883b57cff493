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
        #expect(ErrorCode.conflict.rawValue == 409 && ErrorCode.storeUnavailable.isTransient && !ErrorCode.conflict.isTransient)
    }
}

@Suite("Hand-off state machine")
struct StateMachineTests {
    @Test("who may do what, from where", arguments: Transition.allCases)
    func rules(_ transition: Transition) {
        for state in HandoffState.allCases {
            for party in [Party.sender, .destination] {
                let detail = transition.requiresDetail ? "理由" : nil
                let outcome = transition.check(from: state, by: party, detail: detail, currentDetail: nil)
                if party != transition.actor {
                    #expect(outcome == .failure(.wrongActor(transition, required: transition.actor)))
                } else if transition == .confirmDelivery && state != .submitted {
                    #expect(outcome == .success(.repeatOfDone))
                } else if state == transition.target && !transition.requiresDetail {
                    #expect(outcome == .success(.repeatOfDone))
                } else if transition.allowedFrom.contains(state) {
                    #expect(outcome == .success(.apply))
                } else {
                    #expect(outcome == .failure(.notAllowed(transition, from: state)))
                }
            }
        }
    }

    @Test("decline and withdraw need a reason, complete an outcome")
    func details() {
        #expect(Transition.decline.check(from: .delivered, by: .destination, detail: "\u{3000}", currentDetail: nil) == .failure(.detailRequired(.decline)))
        #expect(Transition.complete.check(from: .accepted, by: .destination, detail: nil, currentDetail: nil) == .failure(.detailRequired(.complete)))
        #expect(Transition.withdraw.check(from: .submitted, by: .sender, detail: "本人の希望", currentDetail: nil) == .success(.apply))
        #expect(Transition.withdraw.check(from: .accepted, by: .sender, detail: "本人の希望", currentDetail: nil) == .failure(.notAllowed(.withdraw, from: .accepted)))
    }
}
