import Foundation

/// Constants of the Tsunagi wire protocol, version 1 (docs/PROTOCOL.md). One place, like the
/// Majordomo protocol's header file.
public enum WireProtocol {
    /// The first frame of every message, after the ROUTER's routing id.
    public static let signature: [UInt8] = Array("TSUNAGI/1".utf8)
    /// A peer that sends nothing for this long is taken for gone.
    public static let heartbeatIntervalMilliseconds = 1_000
    public static let heartbeatLiveness = 5
    public static var peerTimeoutMilliseconds: Int { heartbeatIntervalMilliseconds * heartbeatLiveness }
    /// Redelivery back-off: first retry after this, doubling up to the maximum.
    public static let redeliveryInitialMilliseconds = 2_000
    public static let redeliveryMaximumMilliseconds = 60_000
    /// Reconnect back-off of a worker that lost the router.
    public static let reconnectInitialMilliseconds = 250
    public static let reconnectMaximumMilliseconds = 10_000
    /// Deliveries (or status updates) a router keeps unconfirmed per agency at once.
    public static let deliveryWindow = 256
}

/// Command names: the second frame of every message.
public enum Command: String, Sendable, CaseIterable {
    // worker → router
    case hello = "HELLO"
    case submit = "SUBMIT"
    case received = "RECEIVED"
    case accept = "ACCEPT"
    case decline = "DECLINE"
    case complete = "COMPLETE"
    case withdraw = "WITHDRAW"
    case undeliverable = "UNDELIVERABLE"
    case statusAck = "STATUS-OK"
    case report = "REPORT"
    case ping = "PING"
    // router → worker
    case welcome = "WELCOME"
    case submitted = "SUBMITTED"
    case deliver = "DELIVER"
    case done = "DONE"
    case status = "STATUS"
    case reported = "REPORTED"
    case resend = "RESEND"
    case pong = "PONG"
    case error = "ERROR"

    public var bytes: [UInt8] { Array(rawValue.utf8) }

    public static func transition(_ transition: Transition) -> Command {
        switch transition {
        case .confirmDelivery: .received
        case .accept: .accept
        case .decline: .decline
        case .complete: .complete
        case .withdraw: .withdraw
        case .undeliverable: .undeliverable
        }
    }
}

/// A status update: one event of a referral, sent to the party that did not cause it.
public struct StatusUpdate: Codable, Sendable, Hashable {
    /// The event's position in the router's audit trail; acknowledged with STATUS-OK.
    public var sequence: Int64
    public var referral: ReferralID
    public var state: HandoffState
    public var actor: AgencyID
    /// ISO 8601 time the router recorded it.
    public var at: String
    /// The reason (decline, withdraw) or outcome (complete), when there is one.
    public var detail: String?

    public init(sequence: Int64, referral: ReferralID, state: HandoffState, actor: AgencyID, at: String, detail: String?) {
        self.sequence = sequence
        self.referral = referral
        self.state = state
        self.actor = actor
        self.at = at
        self.detail = detail
    }
}

/// One line of an agency's daily ledger report: a referral it sent or received and where its
/// ledger says it stands.
public struct LedgerEntry: Codable, Sendable, Hashable {
    public var referral: ReferralID
    public var counterpart: AgencyID
    public var direction: Direction
    public var state: HandoffState

    public enum Direction: String, Codable, Sendable {
        case sent
        case received
    }

    public init(referral: ReferralID, counterpart: AgencyID, direction: Direction, state: HandoffState) {
        self.referral = referral
        self.counterpart = counterpart
        self.direction = direction
        self.state = state
    }
}

/// An agency's ledger for one day: every referral it sent or received that was created that day
/// (Japan time), with its state in the agency's own ledger at the time of the report.
public struct LedgerReport: Codable, Sendable, Hashable {
    public var agency: AgencyID
    public var day: CivilDate
    public var generatedAt: String
    public var entries: [LedgerEntry]

    public init(agency: AgencyID, day: CivilDate, generatedAt: String, entries: [LedgerEntry]) {
        self.agency = agency
        self.day = day
        self.generatedAt = generatedAt
        self.entries = entries
    }

    enum CodingKeys: String, CodingKey {
        case agency, day, entries
        case generatedAt = "generated_at"
    }
}

/// What a worker sends.
public enum WorkerMessage: Sendable, Equatable {
    case hello(software: String)
    case submit(Referral)
    /// `staff` names the staff member who gave an accept, decline, complete or withdraw (the
    /// optional last frame); nil when the worker does not know it.
    case transition(Transition, ReferralID, detail: String?, staff: String? = nil)
    case statusAck(sequence: Int64)
    case report(LedgerReport)
    case ping
}

/// What the router sends.
public enum RouterMessage: Sendable, Equatable {
    case welcome(agency: AgencyID, heartbeatMilliseconds: Int)
    case submitted(ReferralID, HandoffState)
    case deliver(Referral)
    case done(Transition, ReferralID, HandoffState)
    case status(StatusUpdate)
    case reported(CivilDate)
    case resend(ReferralID)
    case pong
    /// A refusal. `command` and `referral` name the request it answers, when known.
    case error(ProtocolError, command: String, referral: String)
}

// MARK: - Encoding

extension WorkerMessage {
    public func frames() -> [[UInt8]] {
        let header = WireProtocol.signature
        switch self {
        case .hello(let software):
            return [header, Command.hello.bytes, Array(software.utf8)]
        case .submit(let referral):
            return [header, Command.submit.bytes, referral.routing.canonicalJSON(), referral.personal]
        case .transition(let transition, let id, let detail, let staff):
            var frames = [header, Command.transition(transition).bytes, Array(id.rawValue.utf8)]
            if transition.requiresDetail { frames.append(Array((detail ?? "").utf8)) }
            if transition.carriesStaff, let staff, !staff.isEmpty { frames.append(Array(staff.utf8)) }
            return frames
        case .statusAck(let sequence):
            return [header, Command.statusAck.bytes, Array(String(sequence).utf8)]
        case .report(let report):
            return [header, Command.report.bytes, jsonBytes(report)]
        case .ping:
            return [header, Command.ping.bytes]
        }
    }

    /// Decodes a worker's message (frames after the routing id). Validates the referral.
    public static func decode(_ frames: [[UInt8]]) throws(ProtocolError) -> WorkerMessage {
        let command = try checkHeader(frames)
        let body = frames.dropFirst(2)
        guard let counts = command.workerBodyFrames else {
            throw ProtocolError(.unknownCommand, "\(command.rawValue) is a router's command; a worker may not send it")
        }
        guard counts.contains(body.count) else {
            let count = counts.lowerBound
            let takes = counts.count == 1 ? "\(count) body frame\(count == 1 ? "" : "s")" : "\(count) or \(counts.upperBound) body frames"
            throw ProtocolError(.badFrames, "\(command.rawValue) takes \(takes), got \(body.count)")
        }
        switch command {
        case .hello:
            return .hello(software: try text(body[2], field: "software"))
        case .submit:
            let routing = try Routing.decode(json: body[2])
            guard body[3].count <= Limits.personalBytes else {
                throw ProtocolError(.tooLarge, "the personal part is \(body[3].count) bytes; at most \(Limits.personalBytes) are allowed")
            }
            return .submit(Referral(routing: routing, personal: body[3]))
        case .received, .accept:
            let transition: Transition = command == .received ? .confirmDelivery : .accept
            let id = try referralID(body[2])
            let staff = try body.count > 1 ? StaffName.frame(body[3]) : nil
            return .transition(transition, id, detail: nil, staff: staff)
        case .decline, .complete, .withdraw, .undeliverable:
            let transition = Transition.allCases.first { Command.transition($0) == command }!
            guard body[3].count <= Limits.detailBytes else {
                throw ProtocolError(.tooLarge, "the \(transition == .complete ? "outcome" : "reason") is \(body[3].count) bytes; at most \(Limits.detailBytes) are allowed")
            }
            let id = try referralID(body[2])
            let detail = try text(body[3], field: transition == .complete ? "outcome" : "reason")
            let staff = try body.count > 2 ? StaffName.frame(body[4]) : nil
            return .transition(transition, id, detail: detail, staff: staff)
        case .statusAck:
            guard let sequence = WireDecimal.parse(body[2]), sequence > 0 else {
                throw ProtocolError(.badFrames, "STATUS-OK takes the sequence of a STATUS update as plain decimal digits, as the update's JSON gives it (e.g. 42): no sign, no leading zero")
            }
            return .statusAck(sequence: sequence)
        case .report:
            return .report(try LedgerReport.decode(json: body[2]))
        case .ping:
            return .ping
        case .welcome, .submitted, .deliver, .done, .status, .reported, .resend, .pong, .error:
            throw ProtocolError(.unknownCommand, "\(command.rawValue) is a router's command; a worker may not send it")
        }
    }
}

extension RouterMessage {
    public func frames() -> [[UInt8]] {
        let header = WireProtocol.signature
        switch self {
        case .welcome(let agency, let heartbeat):
            return [header, Command.welcome.bytes, Array(agency.rawValue.utf8), Array(String(heartbeat).utf8)]
        case .submitted(let id, let state):
            return [header, Command.submitted.bytes, Array(id.rawValue.utf8), Array(state.rawValue.utf8)]
        case .deliver(let referral):
            return [header, Command.deliver.bytes, referral.routing.canonicalJSON(), referral.personal]
        case .done(let transition, let id, let state):
            return [header, Command.done.bytes, Command.transition(transition).bytes, Array(id.rawValue.utf8), Array(state.rawValue.utf8)]
        case .status(let update):
            return [header, Command.status.bytes, jsonBytes(update)]
        case .reported(let day):
            return [header, Command.reported.bytes, Array(day.description.utf8)]
        case .resend(let id):
            return [header, Command.resend.bytes, Array(id.rawValue.utf8)]
        case .pong:
            return [header, Command.pong.bytes]
        case .error(let error, let command, let referral):
            return [header, Command.error.bytes, Array(String(error.code.rawValue).utf8), Array(error.code.name.utf8),
                    Array(command.utf8), Array(referral.utf8), Array(error.message.utf8)]
        }
    }

    /// Decodes a router's message as a worker receives it (a DEALER sees no routing id).
    public static func decode(_ frames: [[UInt8]]) throws(ProtocolError) -> RouterMessage {
        let command = try checkHeader(frames)
        let body = frames.dropFirst(2)
        func expect(_ count: Int) throws(ProtocolError) {
            guard body.count == count else {
                throw ProtocolError(.badFrames, "\(command.rawValue) takes \(count) body frames, got \(body.count)")
            }
        }
        switch command {
        case .welcome:
            try expect(2)
            guard let agency = AgencyID(rawValue: try text(body[2], field: "agency")),
                  let heartbeat = WireDecimal.parse(body[3]).map(Int.init) else {
                throw ProtocolError(.badFrames, "WELCOME carries an agency id and a heartbeat interval")
            }
            return .welcome(agency: agency, heartbeatMilliseconds: heartbeat)
        case .submitted:
            try expect(2)
            return .submitted(try referralID(body[2]), try state(body[3]))
        case .deliver:
            try expect(2)
            return .deliver(Referral(routing: try Routing.decode(json: body[2]), personal: body[3]))
        case .done:
            try expect(3)
            guard let done = Command(rawValue: try text(body[2], field: "command")),
                  let transition = Transition.allCases.first(where: { Command.transition($0) == done }) else {
                throw ProtocolError(.badFrames, "DONE names an unknown command")
            }
            return .done(transition, try referralID(body[3]), try state(body[4]))
        case .status:
            try expect(1)
            return .status(try decodeJSON(StatusUpdate.self, body[2], what: "status update"))
        case .reported:
            try expect(1)
            guard let day = CivilDate(try text(body[2], field: "day")) else {
                throw ProtocolError(.badFrames, "REPORTED carries a day as YYYY-MM-DD")
            }
            return .reported(day)
        case .resend:
            try expect(1)
            return .resend(try referralID(body[2]))
        case .pong:
            try expect(0)
            return .pong
        case .error:
            try expect(5)
            guard let number = WireDecimal.parse(body[2]), let code = ErrorCode(rawValue: Int(number)) else {
                throw ProtocolError(.badFrames, "ERROR carries an unknown code")
            }
            return .error(ProtocolError(code, try text(body[6], field: "message")),
                          command: try text(body[4], field: "command"), referral: try text(body[5], field: "referral"))
        default:
            throw ProtocolError(.unknownCommand, "\(command.rawValue) is a worker's command; a router does not send it")
        }
    }
}

// MARK: - Helpers

private func checkHeader(_ frames: [[UInt8]]) throws(ProtocolError) -> Command {
    guard frames.count >= 2 else {
        throw ProtocolError(.badFrames, "a message has at least two frames: \(String(decoding: WireProtocol.signature, as: UTF8.self)) and a command")
    }
    guard frames[0] == WireProtocol.signature else {
        if frames[0].starts(with: Array("TSUNAGI/".utf8)) {
            throw ProtocolError(.unsupportedVersion, "this router speaks \(String(decoding: WireProtocol.signature, as: UTF8.self)) only")
        }
        throw ProtocolError(.badFrames, "the first frame must be \(String(decoding: WireProtocol.signature, as: UTF8.self))")
    }
    guard frames[1].count <= 32, let command = Command(rawValue: String(decoding: frames[1], as: UTF8.self)) else {
        throw ProtocolError(.unknownCommand, "'\(String(decoding: frames[1].prefix(32), as: UTF8.self))' is not a command of this protocol")
    }
    return command
}

private func text(_ bytes: [UInt8], field: String) throws(ProtocolError) -> String {
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw ProtocolError(.badFrames, "the \(field) frame is not UTF-8 text")
    }
    return text
}

private func referralID(_ bytes: [UInt8]) throws(ProtocolError) -> ReferralID {
    // Length first: decoding megabytes of invalid UTF-8 (repairing each byte) took a minute.
    guard bytes.count <= 64, let id = ReferralID(rawValue: String(decoding: bytes, as: UTF8.self)) else {
        throw ProtocolError(.badFrames, "'\(String(decoding: bytes.prefix(64), as: UTF8.self))' is not a referral id")
    }
    return id
}

private func state(_ bytes: [UInt8]) throws(ProtocolError) -> HandoffState {
    guard bytes.count <= 32, let state = HandoffState(rawValue: String(decoding: bytes, as: UTF8.self)) else {
        throw ProtocolError(.badFrames, "unknown state '\(String(decoding: bytes.prefix(32), as: UTF8.self))'")
    }
    return state
}

private func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(ProtocolError) -> T {
    try JSONDiagnostics.checkDepth(bytes, what: "the \(what)")
    guard RoutingFastDecoder.parse(bytes) != nil else {
        throw ProtocolError(.badJSON, "the \(what) is not valid JSON")
    }
    do {
        return try JSONDecoder().decode(type, from: Data(bytes))
    } catch let error as DecodingError {
        let failure = JSONDiagnostics.Failure(error, root: what.replacingOccurrences(of: " ", with: "_"))
        switch failure.kind {
        case .notJSON: throw ProtocolError(.badJSON, "the \(what) is not valid JSON")
        case .missing: throw ProtocolError(.badJSON, "\(failure.field) is missing from the \(what)")
        case .null: throw ProtocolError(.badJSON, "\(failure.field) is null in the \(what)")
        case .wrongType(let expected): throw ProtocolError(.badJSON, "\(failure.field) has the wrong type: it must be \(expected)")
        case .invalidValue: throw ProtocolError(.badJSON, "\(failure.field) is not valid: \(JSONDiagnostics.rule(for: failure.path))")
        }
    } catch {
        throw ProtocolError(.badJSON, "the \(what) is not valid JSON")
    }
}

/// Decimal frames (a STATUS-OK sequence, a heartbeat, an ERROR code): ASCII digits only, no sign,
/// no leading zero, at most 2^63 − 1 — exactly what the router writes, so that every value has one
/// spelling.
public enum WireDecimal {
    public static func parse(_ bytes: [UInt8]) -> Int64? {
        guard (1...19).contains(bytes.count), bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              bytes.count == 1 || bytes[0] != UInt8(ascii: "0") else { return nil }
        return Int64(String(decoding: bytes, as: UTF8.self))
    }
}

func jsonBytes<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Array(try! encoder.encode(value))
}
