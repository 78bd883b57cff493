import Foundation
import TsunagiCore
import TsunagiSealing
import ZeroMQ

/// One agency of the network as the registry lists it.
public struct Agency: Sendable, Hashable {
    public let id: AgencyID
    public let kind: String
    /// Japanese name, as the prefecture's tables use it.
    public let name: String
    public let region: String
    /// Business days the agency has to answer a referral before it is overdue.
    public let ackDueBusinessDays: Int
    /// The agency's CURVE public key; nil for a destination that has no worker yet.
    public let publicKey: CurveKey?
    /// The agency's sealing public keys, current first, then previous ones kept while referrals
    /// sealed to them may be in flight. Empty: the agency receives unsealed personal parts.
    public var sealingKeys: [SealingPublicKey] = []

    /// The key senders seal to.
    public var currentSealingKey: SealingPublicKey? { sealingKeys.first }
}

/// The registry of agencies (agencies.toml): who may connect, under which key, and who may
/// receive referrals.
public struct AgencyRegistry: Sendable {
    public let agencies: [AgencyID: Agency]

    public init(agencies: [Agency]) {
        self.agencies = Dictionary(agencies.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(id: AgencyID) -> Agency? { agencies[id] }

    public var sorted: [Agency] { agencies.values.sorted { $0.id < $1.id } }

    /// Public key → agency id: the ZAP allow-list. Each key names exactly one agency.
    public var allowList: [CurveKey: String] {
        var list: [CurveKey: String] = [:]
        for agency in agencies.values {
            if let key = agency.publicKey { list[key] = agency.id.rawValue }
        }
        return list
    }

    struct File: Decodable {
        var agency: [Entry]

        struct Entry: Decodable {
            var id: String
            var kind: String
            var name: String
            var region: String?
            var ack_due_business_days: Int?
            /// Either a Z85 key (40 characters) or the path of a `.pub` certificate file.
            var public_key: String?
            /// Current first: `{ id = "16 hex digits", public_key = "64 hex digits or a .seal.pub path" }`.
            var sealing_keys: [SealingKeyEntry]?
        }

        struct SealingKeyEntry: Decodable {
            var id: String?
            var public_key: String
        }
    }

    public static let defaultAckDueBusinessDays = 3

    /// Loads agencies.toml; key file paths are relative to the registry's folder.
    public static func load(path: String) throws -> AgencyRegistry {
        let file = try ConfigFile.load(File.self, from: path)
        var agencies: [Agency] = []
        var seenKeys: [CurveKey: AgencyID] = [:]
        for entry in file.agency {
            guard let id = AgencyID(rawValue: entry.id) else {
                throw ConfigError("\(path): '\(entry.id)' is not an agency id (lower-case ASCII like saposute.kochi)")
            }
            if agencies.contains(where: { $0.id == id }) {
                throw ConfigError("\(path): agency \(id) is listed twice")
            }
            var key: CurveKey?
            if let text = entry.public_key, !text.isEmpty {
                if let direct = CurveKey(z85: text) {
                    key = direct
                } else {
                    do {
                        key = try CurveCertificate.load(path: ConfigFile.resolve(text, relativeTo: path)).publicKey
                    } catch {
                        throw ConfigError("\(path): agency \(id): public_key: \(error)")
                    }
                }
            }
            if let key {
                if let other = seenKeys[key] {
                    throw ConfigError("\(path): agencies \(other) and \(id) share one public key: each agency needs its own key pair")
                }
                seenKeys[key] = id
            }
            let due = entry.ack_due_business_days ?? defaultAckDueBusinessDays
            guard (0...60).contains(due) else {
                throw ConfigError("\(path): agency \(id): ack_due_business_days must be between 0 and 60")
            }
            agencies.append(Agency(id: id, kind: entry.kind, name: entry.name, region: entry.region ?? "",
                                   ackDueBusinessDays: due, publicKey: key,
                                   sealingKeys: try sealingKeys(entry.sealing_keys ?? [], of: id, registryPath: path)))
        }
        var sealingOwners: [SealingKeyID: AgencyID] = [:]
        for agency in agencies {
            for key in agency.sealingKeys {
                if let other = sealingOwners[key.id], other != agency.id {
                    throw ConfigError("\(path): agencies \(other) and \(agency.id) share the sealing key \(key.id): each agency needs its own")
                }
                sealingOwners[key.id] = agency.id
            }
        }
        return AgencyRegistry(agencies: agencies)
    }

    /// Reads an agency's sealing keys; a stated id must be the key's own (first 8 bytes of its SHA-256).
    static func sealingKeys(_ entries: [File.SealingKeyEntry], of agency: AgencyID, registryPath path: String) throws -> [SealingPublicKey] {
        var keys: [SealingPublicKey] = []
        for entry in entries {
            let key: SealingPublicKey
            if let direct = SealingPublicKey(hex: entry.public_key) {
                key = direct
            } else {
                do {
                    key = try SealingKeyFiles.loadPublicKey(ConfigFile.resolve(entry.public_key, relativeTo: path))
                } catch {
                    throw ConfigError("\(path): agency \(agency): sealing_keys: \(error)")
                }
            }
            if let stated = entry.id, stated.lowercased() != key.id.description {
                throw ConfigError("\(path): agency \(agency): sealing key id \(stated) does not match its public key, whose id is \(key.id): copy both from the agency's .seal.pub file")
            }
            if keys.contains(key) {
                throw ConfigError("\(path): agency \(agency): sealing key \(key.id) is listed twice")
            }
            keys.append(key)
        }
        return keys
    }
}
