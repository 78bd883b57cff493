import Foundation

/// The fields of an `application/x-www-form-urlencoded` body or query, in order. A field sent twice
/// keeps every value (`values(_:)`); `subscript` gives the first.
public struct FormData: Sendable, Equatable {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    /// Parses `a=1&b=%E3%81%82+x`; a malformed escape is kept as written rather than dropped.
    public init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((name, value))
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first value of the field, trimmed of surrounding white space; nil when absent.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The value trimmed, with an empty or absent field as nil.
    public func trimmed(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    public static func == (lhs: FormData, rhs: FormData) -> Bool {
        lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }
}
