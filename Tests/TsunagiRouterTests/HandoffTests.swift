import Foundation
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport
import ZeroMQ

/// The router process over real CURVE sockets and a real SQLite store.
@Suite("Router hand-offs", .serialized, .timeLimit(.minutes(3)))
struct HandoffTests {
    @Test("a submit is acknowledged only once it is committed, and the same id is stored once")
    func submitIsDurableAndIdempotent() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let sender = try harness.agency("peer-support.kochi")
        #expect(try sender.handshake())
        let referral = SampleReferral.make(id: "pk-0001", from: "peer-support.kochi", to: "saposute.kochi")
        try sender.send(.submit(referral))
        #expect(try sender.receive() == .submitted(referral.id, .submitted))
        // The acknowledgement came after the commit: another process's read sees it at once.
        let reader = try harness.reader()
        #expect(try reader.summary(of: referral.id)?.state == .submitted)
        let events = try reader.eventCount()

        try sender.send(.submit(referral))
        #expect(try sender.receive() == .submitted(referral.id, .submitted))
        #expect(try reader.eventCount() == events)

        var changed = referral
        changed.personal = Array(#"{"name":"別人"}"#.utf8)
        try sender.send(.submit(changed))
        guard case .error(let error, let command, let id) = try sender.receive() else {
            Issue.record("expected a conflict error")
            return
        }
        #expect(error.code == .conflict)
        #expect(command == "SUBMIT" && id == "pk-0001")
        #expect(try reader.eventCount() == events)
    }

    @Test("a referral reaches its destination, is confirmed once, and the sender hears every change")
    func deliveryAndStatusUpdates() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let sender = try harness.agency("peer-support.kochi")
        let destination = try harness.agency("saposute.kochi")
        #expect(try sender.handshake())
        #expect(try destination.handshake())
        let referral = SampleReferral.make(id: "pk-0002", from: "peer-support.kochi", to: "saposute.kochi")
        try sender.send(.submit(referral))
        #expect(try sender.receive() == .submitted(referral.id, .submitted))

        #expect(try destination.receive() == .deliver(referral))
        try destination.send(.transition(.confirmDelivery, referral.id, detail: nil))
        #expect(try statusOf(sender) == .init(referral.id, .delivered))
        try destination.send(.transition(.accept, referral.id, detail: nil))
        #expect(try destination.receive() == .done(.accept, referral.id, .accepted))
        #expect(try statusOf(sender) == .init(referral.id, .accepted))
        try destination.send(.transition(.complete, referral.id, detail: "就職"))
        #expect(try destination.receive() == .done(.complete, referral.id, .completed))
        let completed = try sender.receive()
        guard case .status(let update) = completed else {
            Issue.record("expected a status update, got \(String(describing: completed))")
            return
        }
        #expect(update.state == .completed && update.detail == "就職" && update.actor.rawValue == "saposute.kochi")

        let history = try harness.reader().history(of: referral.id).map(\.state)
        #expect(history == [.submitted, .delivered, .accepted, .completed])
    }

    @Test("a worker that connects late receives everything waiting, oldest first")
    func lateWorkerGetsBacklogInOrder() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        let sender = try harness.agency("welfare-office.susaki")
        #expect(try sender.handshake())
        let ids = (1...40).map { String(format: "ws-%04d", $0) }
        for id in ids {
            try sender.send(.submit(SampleReferral.make(id: id, from: "welfare-office.susaki", to: "employment-base.chubu")))
        }
        var acknowledged = 0
        while acknowledged < ids.count, case .submitted = try sender.receive() { acknowledged += 1 }
        #expect(acknowledged == ids.count)

        let destination = try harness.agency("employment-base.chubu")
        #expect(try destination.handshake())
        var delivered: [String] = []
        while delivered.count < ids.count, case .deliver(let referral) = try destination.receive() {
            delivered.append(referral.id.rawValue)
        }
        #expect(delivered == ids)
    }

    @Test("kill -9 of the router between submit and delivery loses nothing acknowledged and duplicates nothing")
    func crashBetweenSubmitAndDelivery() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        var acknowledged: Set<String> = []
        do {
            let sender = try harness.agency("saposute.nankoku")
            #expect(try sender.handshake())
            for number in 1...200 {
                try sender.send(.submit(SampleReferral.make(id: "sn-\(number)", from: "saposute.nankoku", to: "welfare-office.hata")))
            }
            // Take some acknowledgements, then crash while others may still be in flight.
            while acknowledged.count < 120, case .submitted(let id, _) = try sender.receive() {
                acknowledged.insert(id.rawValue)
            }
        }
        harness.crashRouter()
        try harness.startRouter()
        let reader = try harness.reader()
        for id in acknowledged {
            #expect(try reader.summary(of: ReferralID(rawValue: id)!) != nil, "acknowledged \(id) was lost")
        }
        let destination = try harness.agency("welfare-office.hata")
        #expect(try destination.handshake())
        var delivered: [String] = []
        let stored = try reader.countsByState()[.submitted] ?? 0
        while delivered.count < stored, case .deliver(let referral) = try destination.receive() {
            delivered.append(referral.id.rawValue)
        }
        #expect(delivered.count == stored)
        #expect(Set(delivered).count == delivered.count, "a referral was delivered twice")
        #expect(Set(delivered).isSuperset(of: acknowledged))
        #expect(try reader.verify().isEmpty)
    }

    @Test("a withdrawn referral is never delivered again: no repeat of its DELIVER, no repair a reconcile asks for")
    func withdrawStopsDeliveryRepeats() throws {
        let harness = try RouterHarness()
        defer { harness.crashRouter() }
        try harness.startRouter()
        let sender = try harness.agency("peer-support.hata")
        let destination = try harness.agency("welfare-office.aki")
        #expect(try sender.handshake())
        #expect(try destination.handshake())
        let referral = SampleReferral.make(id: "wd-1", from: "peer-support.hata", to: "welfare-office.aki")
        try sender.send(.submit(referral))
        #expect(try sender.receive() == .submitted(referral.id, .submitted))
        // Delivered and not confirmed: without the withdrawal it would be repeated after 2 s.
        #expect(try destination.receive() == .deliver(referral))
        try sender.send(.transition(.withdraw, referral.id, detail: "本人の希望"))
        #expect(try sender.receive() == .done(.withdraw, referral.id, .withdrawn))
        guard case .status(let update)? = try destination.receive(skipping: ["PONG", "DELIVER"]) else {
            Issue.record("the destination did not hear of the withdrawal")
            return
        }
        #expect(update.referral == referral.id && update.state == .withdrawn)
        try destination.send(.statusAck(sequence: update.sequence))
        // A reconcile asking to deliver it again changes nothing.
        let store = try RouterStore(path: harness.storePath)
        #expect(try store.requestRedelivery(of: referral.id) == false)
        try store.close()

        var delivered = 0
        let until = ContinuousClock.now + .seconds(8)
        while ContinuousClock.now < until {
            try destination.send(.ping)
            if let message = try destination.socket.receive(timeoutMilliseconds: 500), message.frames.count >= 2,
               String(decoding: message.frames[1], as: UTF8.self) == "DELIVER" {
                delivered += 1
            }
        }
        #expect(delivered == 0, "the withdrawn referral was delivered \(delivered) more times")
    }

    private func statusOf(_ agency: borrowing RawAgency) throws -> StatusSummary? {
        guard case .status(let update) = try agency.receive() else { return nil }
        try agency.send(.statusAck(sequence: update.sequence))
        return StatusSummary(update.referral, update.state)
    }
}

struct StatusSummary: Equatable {
    let referral: ReferralID
    let state: HandoffState
    init(_ referral: ReferralID, _ state: HandoffState) {
        self.referral = referral
        self.state = state
    }
}
