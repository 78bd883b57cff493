import Foundation
import TsunagiCore
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
                                   ackDueBusinessDays: due, publicKey: key))
        }
        return AgencyRegistry(agencies: agencies)
    }
}
