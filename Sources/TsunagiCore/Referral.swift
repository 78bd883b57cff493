import Foundation

/// A referral id, chosen by the sender: it is the idempotency key for ever.
/// 1–64 ASCII letters, digits, '.', '_', ':' or '-'.
public struct ReferralID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        let bytes = rawValue.utf8
        guard (1...64).contains(bytes.count), bytes.allSatisfy(ReferralID.isAllowed) else { return nil }
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ReferralID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a referral id is 1-64 ASCII letters, digits, '.', '_', ':' or '-'"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: ReferralID, rhs: ReferralID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

/// What the person needs from the destination.
public enum Need: String, Codable, Sendable, CaseIterable {
    case employment
    case placeToBelong = "place-to-belong"
    case medical
    case mentalHealth = "mental-health"
    case familySupport = "family-support"
    case livingSupport = "living-support"
    case schooling
    case other
}

/// Age bands as the agencies count them (10代, 20代, …).
public enum AgeBand: String, Codable, Sendable, CaseIterable {
    case teens = "10s"
    case twenties = "20s"
    case thirties = "30s"
    case forties = "40s"
    case fifties = "50s"
    case sixtiesAndOver = "60s+"
    case unknown

    public var japaneseLabel: String {
        switch self {
        case .teens: "10代"
        case .twenties: "20代"
        case .thirties: "30代"
        case .forties: "40代"
        case .fifties: "50代"
        case .sixtiesAndOver: "60代以上"
        case .unknown: "不明"
        }
    }
}

public enum Sex: String, Codable, Sendable, CaseIterable {
    case female
    case male
    case other
    case unknown
}

/// The legal basis for passing special-care personal information to another body.
public enum ConsentBasis: String, Codable, Sendable, CaseIterable {
    /// The person agreed.
    case person
    /// A guardian agreed for the person.
    case guardian
    /// A support meeting (支援会議) under the Social Welfare Act, whose members keep confidence.
    case supportMeeting = "support-meeting"
    /// Protecting the person's life or body when consent cannot be obtained.
    case vitalInterest = "vital-interest"
}

public struct Consent: Codable, Sendable, Hashable {
    public var basis: ConsentBasis
    public var obtainedOn: CivilDate
    /// Staff member (or role) who recorded the consent: a name within the agency, not the person's.
    public var recordedBy: String

    public init(basis: ConsentBasis, obtainedOn: CivilDate, recordedBy: String) {
        self.basis = basis
        self.obtainedOn = obtainedOn
        self.recordedBy = recordedBy
    }

    enum CodingKeys: String, CodingKey {
        case basis
        case obtainedOn = "obtained_on"
        case recordedBy = "recorded_by"
    }
}

/// The part of a referral the router may read: enough to route, track and count, never a name.
public struct Routing: Codable, Sendable, Hashable {
    public var id: ReferralID
    public var from: AgencyID
    public var to: AgencyID
    /// When the sending agency created it, as ISO 8601 with offset (e.g. 2026-11-27T09:30:00+09:00).
    public var createdAt: String
    public var needs: [Need]
    public var ageBand: AgeBand
    public var sex: Sex
    /// Municipality of residence (e.g. 須崎市), for the prefecture's per-area counts.
    public var municipality: String
    public var consent: Consent
    /// An acknowledgement due date the sender asks for; otherwise the destination's default applies.
    public var dueDate: CivilDate?

    public init(
        id: ReferralID, from: AgencyID, to: AgencyID, createdAt: String, needs: [Need], ageBand: AgeBand,
        sex: Sex, municipality: String, consent: Consent, dueDate: CivilDate? = nil
    ) {
        self.id = id
        self.from = from
        self.to = to
        self.createdAt = createdAt
        self.needs = needs
        self.ageBand = ageBand
        self.sex = sex
        self.municipality = municipality
        self.consent = consent
        self.dueDate = dueDate
    }

    enum CodingKeys: String, CodingKey {
        case id, from, to, needs, sex, municipality, consent
        case createdAt = "created_at"
        case ageBand = "age_band"
        case dueDate = "due_date"
    }
}

/// A referral as it travels: routing facts plus the personal part as opaque bytes (today the
/// JSON of the person's details; later ciphertext sealed to the destination's key).
public struct Referral: Sendable, Hashable {
    public var routing: Routing
    public var personal: [UInt8]

    public init(routing: Routing, personal: [UInt8]) {
        self.routing = routing
        self.personal = personal
    }

    public var id: ReferralID { routing.id }
}
