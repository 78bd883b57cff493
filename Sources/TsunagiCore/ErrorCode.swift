/// Stable error codes of the wire protocol (docs/PROTOCOL.md §Errors). The number and the name
/// never change meaning; the sentence may be improved.
public enum ErrorCode: Int, Sendable, CaseIterable, Codable {
    case badFrames = 400
    case unsupportedVersion = 401
    case unknownCommand = 402
    case badJSON = 403
    case invalidReferral = 404
    case noConsent = 405
    case unknownAgency = 406
    case selfReferral = 407
    case tooLarge = 408
    case conflict = 409
    case spoofedSender = 410
    case notFound = 411
    case wrongActor = 412
    case invalidTransition = 413
    case detailRequired = 414
    case unauthenticated = 415
    case invalidOutcome = 416
    // The sealed personal part (docs/PROTOCOL.md, "Sealed personal part").
    case notSealed = 430
    case badEnvelope = 431
    case unknownSealingKey = 432
    case cannotOpen = 433
    case storeUnavailable = 500
    case shuttingDown = 503

    /// The code's stable name, sent beside the number.
    public var name: String {
        switch self {
        case .badFrames: "bad-frames"
        case .unsupportedVersion: "unsupported-version"
        case .unknownCommand: "unknown-command"
        case .badJSON: "bad-json"
        case .invalidReferral: "invalid-referral"
        case .noConsent: "no-consent"
        case .unknownAgency: "unknown-agency"
        case .selfReferral: "self-referral"
        case .tooLarge: "too-large"
        case .conflict: "conflict"
        case .spoofedSender: "spoofed-sender"
        case .notFound: "not-found"
        case .wrongActor: "wrong-actor"
        case .invalidTransition: "invalid-transition"
        case .detailRequired: "detail-required"
        case .unauthenticated: "unauthenticated"
        case .invalidOutcome: "invalid-outcome"
        case .notSealed: "not-sealed"
        case .badEnvelope: "bad-envelope"
        case .unknownSealingKey: "unknown-sealing-key"
        case .cannotOpen: "cannot-open"
        case .storeUnavailable: "store-unavailable"
        case .shuttingDown: "shutting-down"
        }
    }

    /// Whether the same request may succeed later unchanged (the worker keeps retrying it);
    /// every other error is final for that request.
    public var isTransient: Bool { self == .storeUnavailable || self == .shuttingDown }

    public init?(name: String) {
        guard let code = ErrorCode.allCases.first(where: { $0.name == name }) else { return nil }
        self = code
    }
}

/// A refusal with its stable code and a sentence a person can act on.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue) \(code.name): \(message)" }
}
