import Foundation
import Synchronization
import Testing
import TsunagiClient
import TsunagiCore
import TsunagiTestSupport
import ZeroMQ

/// The worker's client of the router against a real CURVE ROUTER socket on 127.0.0.1 that the
/// test answers by hand: what the client sends, and what it hands to the worker.
@Suite("Router client", .serialized, .timeLimit(.minutes(1)))
struct RouterClientTests {
    @Test("hello is answered by welcome; a submit's acknowledgement and refusals reach the caller, matched by the echoed command and referral")
    func helloSubmitAndRefusals() throws {
        let router = try HandAnsweredRouter()
        let recorder = Recorder()
        let client = RouterClient(
            settings: .init(endpoint: router.endpoint, serverKey: router.keyPair.publicKey, keyPair: try CurveKeyPair.generate(),
                            software: "client-test", retryInterval: .seconds(30)),
            delegate: recorder)
        client.start()
        defer { client.stop() }

        // HELLO, then WELCOME: the client says it is connected.
        let (routingID, hello) = try #require(try router.next())
        #expect(hello == .hello(software: "client-test"))
        try router.send(.welcome(agency: AgencyID("saposute.kochi"), heartbeatMilliseconds: WireProtocol.heartbeatIntervalMilliseconds), to: routingID)
        #expect(waitUntil(.seconds(10)) { recorder.connected.withLock { $0 } })

        // A submit, answered.
        let taken = SampleReferral.make(id: "client-1", from: "saposute.kochi", to: "welfare-office.aki")
        client.send(.submit(taken))
        #expect(try router.next()?.message == .submit(taken))
        try router.send(.submitted(taken.id, .submitted), to: routingID)
        #expect(waitUntil(.seconds(10)) { recorder.count == 1 })
        #expect(recorder.answers.withLock { $0.first } == Recorder.Answer(request: .submit(taken), reply: .submitted(taken.id, .submitted)))

        // A submit and an answer refused. An ERROR naming another referral answers neither; the
        // ERRORs naming each request's command and referral reach the caller with those requests.
        let conflicting = SampleReferral.make(id: "client-2", from: "saposute.kochi", to: "welfare-office.aki")
        let unknown = ReferralID(rawValue: "client-unknown")!
        client.send([.submit(conflicting), .transition(.accept, unknown, detail: nil)])
        #expect(try router.next()?.message == .submit(conflicting))
        #expect(try router.next()?.message == .transition(.accept, unknown, detail: nil, staff: nil))
        let stray = RouterMessage.error(ProtocolError(.notFound, "no referral client-other"), command: "ACCEPT", referral: "client-other")
        let conflict = RouterMessage.error(ProtocolError(.conflict, "client-2 is stored with other content"), command: "SUBMIT", referral: "client-2")
        let notFound = RouterMessage.error(ProtocolError(.notFound, "no referral client-unknown"), command: "ACCEPT", referral: "client-unknown")
        for reply in [stray, notFound, conflict] { try router.send(reply, to: routingID) }
        #expect(waitUntil(.seconds(10)) { recorder.count == 3 })
        let refused = recorder.answers.withLock { Array($0.dropFirst()) }
        #expect(refused == [.init(request: .transition(.accept, unknown, detail: nil), reply: notFound),
                            .init(request: .submit(conflicting), reply: conflict)])
    }

    /// What the client handed to the worker.
    final class Recorder: RouterClientDelegate {
        struct Answer: Equatable, Sendable {
            let request: OutboundRequest
            let reply: RouterMessage
        }

        let answers = Mutex<[Answer]>([])
        let connected = Mutex(false)
        var count: Int { answers.withLock { $0.count } }

        func store(deliveries: [Referral]) -> [Bool] { deliveries.map { _ in true } }
        func apply(status: StatusUpdate) -> Bool { true }
        func answered(_ request: OutboundRequest, with reply: RouterMessage) {
            answers.withLock { $0.append(Answer(request: request, reply: reply)) }
        }
        func resendRequested(_ id: ReferralID) {}
        func connectionChanged(connected: Bool) { self.connected.withLock { $0 = connected } }
        func connectionTrouble(_ trouble: ConnectionTrouble?) {}
    }

    /// A CURVE ROUTER socket the test reads and answers itself (no ZAP handler: every key is let in).
    final class HandAnsweredRouter {
        // The socket before the context: the context's end waits for its sockets to close.
        let socket: Socket
        let context: Context
        let keyPair: CurveKeyPair
        let endpoint: String

        init() throws {
            context = try Context()
            keyPair = try CurveKeyPair.generate()
            socket = try Socket(context, type: .router, linger: 0)
            try socket.makeCurveServer(secretKey: keyPair.secretKey)
            endpoint = try socket.bindReturningEndpoint("tcp://127.0.0.1:*")
        }

        /// The next message from the client other than a PING (answered with PONG), within 10 s.
        func next() throws -> (routingID: [UInt8], message: WorkerMessage)? {
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while ContinuousClock.now < deadline {
                guard let received = try socket.receive(timeoutMilliseconds: 100), received.frames.count > 1 else { continue }
                let routingID = received.frames[0]
                let message = try WorkerMessage.decode(Array(received.frames.dropFirst()))
                if message == .ping {
                    try send(.pong, to: routingID)
                    continue
                }
                return (routingID, message)
            }
            return nil
        }

        func send(_ message: RouterMessage, to routingID: [UInt8]) throws {
            try socket.send([routingID] + message.frames())
        }
    }
}
