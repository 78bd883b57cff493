/// What an ERROR names of the request it refuses (frames 4 and 5, docs/PROTOCOL.md §ERROR), so
/// that a worker can match the refusal to the request it keeps and stop resending it.
///
/// The rule is the same whatever refused the request: the command when frame 1 is a TSP/1
/// command; the referral id (for REPORT, the day) only when it was read whole and valid from the
/// request itself — never a part of a frame, never another command's body.
public enum RefusalSubject {
    /// Frame 4: the command of frame 1, or empty when frame 1 is not a TSP/1 command.
    public static func command(of frames: [[UInt8]]) -> String {
        guard frames.count >= 2, frames[1].count <= 32, let text = String(validating: frames[1], as: UTF8.self),
              Command(rawValue: text) != nil else { return "" }
        return text
    }

    /// Frame 5: the referral id (REPORT: the day) the request is about, or empty. Filled only when
    /// frame 0 is `TSUNAGI/1`, the message has a number of body frames its command takes, and:
    /// - RECEIVED, ACCEPT, DECLINE, COMPLETE, WITHDRAW: frame 2, whole, is a valid referral id;
    /// - SUBMIT: frame 2 is a JSON object within the routing part's size and depth limits whose
    ///   `id` (given once) is a valid referral id;
    /// - REPORT: frame 2 is a JSON object within the report's limits whose `day` is a valid day.
    /// HELLO, STATUS-OK and PING name no referral.
    public static func referral(of frames: [[UInt8]]) -> String {
        guard frames.count >= 2, frames[0] == WireProtocol.signature,
              let command = Command(rawValue: self.command(of: frames)),
              let bodyFrames = command.workerBodyFrames, bodyFrames.contains(frames.count - 2) else { return "" }
        switch command {
        case .received, .accept, .decline, .complete, .withdraw, .undeliverable:
            guard frames[2].count <= 64 else { return "" }
            return ReferralID(rawValue: String(decoding: frames[2], as: UTF8.self))?.rawValue ?? ""
        case .submit:
            guard frames[2].count <= Limits.routingBytes, let document = RoutingFastDecoder.parse(frames[2]),
                  case .string(let text)? = RoutingFastDecoder.member("id", of: document),
                  let id = ReferralID(rawValue: text) else { return "" }
            return id.rawValue
        case .report:
            guard frames[2].count <= Limits.reportBytes, let document = RoutingFastDecoder.parse(frames[2]),
                  case .string(let text)? = RoutingFastDecoder.member("day", of: document),
                  let day = CivilDate(text) else { return "" }
            return day.description
        default:
            return ""
        }
    }
}

extension Command {
    /// How many body frames a worker's command takes; nil for the router's commands. ACCEPT,
    /// DECLINE, COMPLETE and WITHDRAW may add the staff member's name as one more frame.
    public var workerBodyFrames: ClosedRange<Int>? {
        switch self {
        case .hello, .received, .statusAck, .report: 1...1
        case .accept: 1...2
        case .submit, .undeliverable: 2...2
        case .decline, .complete, .withdraw: 2...3
        case .ping: 0...0
        case .welcome, .submitted, .deliver, .done, .status, .reported, .resend, .pong, .error: nil
        }
    }
}

extension RouterMessage {
    /// The ERROR refusing a worker's message (`frames` without the routing id) with `error`.
    public static func refusal(_ error: ProtocolError, answering frames: [[UInt8]]) -> RouterMessage {
        .error(error, command: RefusalSubject.command(of: frames), referral: RefusalSubject.referral(of: frames))
    }
}
