/// A stable agency id: an ASCII slug `<kind>.<place>` such as `saposute.kochi`, or a
/// destination-only id such as `regional-support-center`.
public struct AgencyID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        guard AgencyID.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public init(_ literal: StaticString) {
        guard let id = AgencyID(rawValue: "\(literal)") else { preconditionFailure("not an agency id: \(literal)") }
        self = id
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = AgencyID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "'\(text.prefix(80))' is not an agency id (lower-case ASCII like saposute.kochi)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The part before the first dot: the agency kind (`saposute` for `saposute.kochi`).
    public var kind: String {
        rawValue.split(separator: ".", maxSplits: 1).first.map(String.init) ?? rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: AgencyID, rhs: AgencyID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Lower-case letters, digits, '-' and '.', starting with a letter or digit, at most 64 bytes.
    static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...64).contains(bytes.count), let first = bytes.first, isLowerAlphanumeric(first),
              bytes.last != UInt8(ascii: "."), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
