import Foundation
import TsunagiCore
import ZeroMQ

/// A bare CURVE DEALER speaking raw frames to the router, for protocol tests: it sends exactly
/// what it is told, malformed or not.
public struct RawAgency: ~Copyable {
    public let socket: Socket

    public init(context: Context, endpoint: String, keyPair: CurveKeyPair, serverKey: CurveKey) throws {
        let socket = try Socket(context, type: .dealer)
        try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair)
        try socket.set(.sendTimeout, 5_000)
        try socket.connect(endpoint)
        self.socket = socket
    }

    public init(context: Context, endpoint: String, network: String, agency: String) throws {
        let keys = (network as NSString).appendingPathComponent("keys")
        let certificate = try CurveCertificate.load(path: "\(keys)/\(agency).key")
        let server = try CurveCertificate.load(path: "\(keys)/router.pub")
        try self.init(context: context, endpoint: endpoint, keyPair: certificate.keyPair!, serverKey: server.publicKey)
    }

    public func send(_ frames: [[UInt8]]) throws {
        try socket.send(frames)
    }

    public func send(_ message: WorkerMessage) throws {
        try socket.send(message.frames())
    }

    /// The next message that is not a PONG, STATUS or DELIVER (unless asked for), within `timeout`.
    public func receive(timeoutMilliseconds: Int = 10_000, skipping: Set<String> = ["PONG"]) throws -> RouterMessage? {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        while ContinuousClock.now < deadline {
            guard let message = try socket.receive(timeoutMilliseconds: 100) else { continue }
            let decoded = try RouterMessage.decode(message.frames)
            if skipping.contains(String(decoding: message.frames[1], as: UTF8.self)) { continue }
            return decoded
        }
        return nil
    }

    /// The next message's frames exactly as they arrived, skipping messages whose command
    /// (frame 1) is in `skipping`; nil when none came within `timeout`. Nothing is decoded, so a
    /// test can hold the router to the document rather than to this package's codec.
    public func receiveFrames(timeoutMilliseconds: Int = 10_000, skipping: Set<String> = ["PONG"]) throws -> [[UInt8]]? {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        while ContinuousClock.now < deadline {
            guard let message = try socket.receive(timeoutMilliseconds: 100) else { continue }
            if message.frames.count > 1, skipping.contains(String(decoding: message.frames[1], as: UTF8.self)) { continue }
            return message.frames
        }
        return nil
    }

    /// Says HELLO and waits for WELCOME, proving the CURVE handshake and ZAP admission worked.
    public func handshake(timeoutMilliseconds: Int = 10_000) throws -> Bool {
        try send(.hello(software: "test"))
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        while ContinuousClock.now < deadline {
            if case .welcome = try receive(timeoutMilliseconds: 200) { return true }
            try send(.hello(software: "test"))
        }
        return false
    }
}

/// Referrals for tests: valid unless changed.
public enum SampleReferral {
    public static func make(id: String, from: String, to: String, personal: String = #"{"name":"テスト 太郎"}"#,
                            needs: [Need] = [.employment]) -> Referral {
        let routing = Routing(
            id: ReferralID(rawValue: id)!, from: AgencyID(rawValue: from)!, to: AgencyID(rawValue: to)!,
            createdAt: "2026-11-26T09:30:00+09:00", needs: needs, ageBand: .twenties, sex: .unknown,
            municipality: "高知市",
            consent: Consent(basis: .person, obtainedOn: CivilDate("2026-11-20")!, recordedBy: "相談員A"))
        return Referral(routing: routing, personal: Array(personal.utf8))
    }
}
