import Foundation
import Logging
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// Admission: what arrives is decoded, checked against what only the router knows (who is
/// connected, the registry) and either answered at once or gathered into the open batch.
extension RouterLoop {
    /// Reads what has arrived (up to the open batch's room): answers what needs no store at
    /// once, and gathers the rest into the open batch.
    mutating func takeIn(_ socket: borrowing Socket) throws {
        let now = clock()
        while openBatch.count < router.config.maxBatch, let message = try socket.receive(flags: .dontWait) {
            guard let routingID = message.frames.first else { continue }
            let frames = Array(message.frames.dropFirst())
            guard let key = message.userID else {
                // Only reachable if a connection bypassed the authenticator; answer and count it.
                answer(refusal(.unauthenticated, "this connection is not authenticated: connect with CURVE and a registered key", frames),
                       to: routingID, agency: nil, socket: socket)
                continue
            }
            guard let agency = router.agency(forKey: key) else {
                // Admitted at its handshake, but the key has since been removed from the registry.
                answer(refusal(.unauthenticated,
                    "this connection's key is no longer in the agency registry: nothing from it is accepted; ask the prefecture to register the agency's current key", frames),
                       to: routingID, agency: nil, socket: socket)
                continue
            }
            noteHeard(agency, routingID: routingID, key: key, at: now)
            let decoded: WorkerMessage
            do {
                decoded = try WorkerMessage.decode(frames)
            } catch {
                answer(.refusal(error, answering: frames), to: routingID, agency: agency, socket: socket)
                continue
            }
            switch admit(decoded, from: agency) {
            case .answer(let reply):
                answer(reply, to: routingID, agency: agency, socket: socket)
            case .store(let request, let command, let referral):
                openBatch.append(Waiting(routingID: routingID, agency: agency, request: request, command: command, referral: referral))
            }
        }
    }

    /// Sends an answer, counting and logging refusals (codes and agencies only).
    mutating func answer(_ reply: RouterMessage, to routingID: [UInt8], agency: AgencyID?, socket: borrowing Socket) {
        if case .error(let error, _, _) = reply {
            router.counters.count(error.code)
            activity.refused += 1
            let subject = agency?.rawValue ?? "unauthenticated"
            if refusalLog.note(.init(subject: subject, reason: "\(error.code.rawValue) \(error.code.name)")) {
                logger.notice("request refused", metadata: [
                    "agency": "\(subject)", "error.code": "\(error.code.rawValue)", "error.name": "\(error.code.name)",
                ])
            }
        }
        send(reply, to: routingID, agency: agency, socket: socket)
    }

    enum Admission {
        case answer(RouterMessage)
        case store(StoreRequest, command: String, referral: String)
    }

    /// Checks what only the router can check (identity, registry) before anything is stored.
    mutating func admit(_ message: WorkerMessage, from agency: AgencyID) -> Admission {
        switch message {
        case .hello:
            resetLink(agency)
            return .answer(.welcome(agency: agency, heartbeatMilliseconds: WireProtocol.heartbeatIntervalMilliseconds))
        case .ping:
            return .answer(.pong)
        case .submit(let referral):
            let routing = referral.routing
            guard routing.from == agency else {
                return .answer(.error(ProtocolError(.spoofedSender,
                    "referral \(routing.id) says it is from \(routing.from), but this connection is \(agency): a worker sends only its own agency's referrals"),
                    command: Command.submit.rawValue, referral: routing.id.rawValue))
            }
            let (destination, senderKeys) = router.registry.withLock {
                ($0.agencies[routing.to], $0.agencies[routing.from]?.sealingKeys ?? [])
            }
            guard let destination else {
                return .answer(.error(ProtocolError(.unknownAgency,
                    "\(routing.to) is not in the agency registry: check the id, or ask the prefecture to register it"),
                    command: Command.submit.rawValue, referral: routing.id.rawValue))
            }
            if let refusal = SealingAdmission.refusal(for: referral, destinationKeys: destination.sealingKeys.map(\.id),
                                                      senderKeys: senderKeys.map(\.id)) {
                return .answer(.error(refusal, command: Command.submit.rawValue, referral: routing.id.rawValue))
            }
            let dueDay = routing.dueDate ?? arrivalDueDays.dueDay(afterBusinessDays: destination.ackDueBusinessDays)
            return .store(.submit(referral, dueDay: dueDay), command: Command.submit.rawValue, referral: routing.id.rawValue)
        case .transition(let transition, let id, let detail, let staff):
            return .store(.transition(transition, id, by: agency, detail: detail, staff: staff),
                          command: Command.transition(transition).rawValue, referral: id.rawValue)
        case .statusAck(let sequence):
            return .store(.acknowledgeStatus(sequence: sequence, by: agency), command: Command.statusAck.rawValue, referral: "")
        case .report(let report):
            guard report.agency == agency else {
                return .answer(.error(ProtocolError(.spoofedSender,
                    "the report is for \(report.agency), but this connection is \(agency)"),
                    command: Command.report.rawValue, referral: report.day.description))
            }
            return .store(.report(report), command: Command.report.rawValue, referral: report.day.description)
        }
    }

    func refusal(_ code: ErrorCode, _ message: String, _ frames: [[UInt8]]) -> RouterMessage {
        .error(ProtocolError(code, message), command: commandName(frames), referral: "")
    }

    func commandName(_ frames: [[UInt8]]) -> String {
        guard frames.count >= 2, frames[1].count <= 32, let text = String(validating: frames[1], as: UTF8.self),
              Command(rawValue: text) != nil else { return "" }
        return text
    }
}
