import Foundation

/// Turns what JSONDecoder says about a refused document into sentences a person can act on: the
/// field by its JSON path and the rule it breaks, never Swift's own type names or messages.
enum JSONDiagnostics {
    /// A decoding failure, reduced to what a sender needs to know.
    struct Failure {
        enum Kind: Equatable {
            case notJSON
            case missing
            case null
            case wrongType(expected: String)
            case invalidValue
        }

        let kind: Kind
        /// The keys from the root down; array positions as "[3]".
        let path: [String]
        /// The path as a person reads it: `routing.consent.basis`, `report.entries[3].state`.
        let field: String

        init(_ error: DecodingError, root: String) {
            func keys(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> [String] {
                (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            }
            switch error {
            case .keyNotFound(let key, let context):
                kind = .missing
                path = keys(context.codingPath, key)
            case .valueNotFound(_, let context):
                kind = .null
                path = keys(context.codingPath)
            case .typeMismatch(let type, let context):
                kind = .wrongType(expected: JSONDiagnostics.jsonType(type))
                path = keys(context.codingPath)
            case .dataCorrupted(let context):
                kind = context.codingPath.isEmpty ? .notJSON : .invalidValue
                path = keys(context.codingPath)
            @unknown default:
                kind = .notJSON
                path = []
            }
            field = ([root] + path).joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
    }

    /// The JSON type a Swift type is read from, in words.
    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text (a JSON string)"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            "\(type)".hasPrefix("Array") ? "a list (a JSON array)" : "an object (a JSON object with keys)"
        }
    }

    /// The rule a field's value breaks, by the field's name (the last key of its path that is not
    /// an array position).
    static func rule(for path: [String]) -> String {
        switch path.last(where: { !$0.hasPrefix("[") }) ?? "" {
        case "id", "referral":
            "a referral id is 1–64 ASCII letters, digits, '.', '_', ':' or '-'"
        case "from", "to", "agency", "counterpart", "actor":
            "an agency id is 1–64 lower-case ASCII letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. saposute.kochi)"
        case "obtained_on", "due_date", "day":
            "a day is written YYYY-MM-DD and must exist (e.g. 2026-11-27)"
        case "needs":
            "each need is one of \(Need.allCases.map(\.rawValue).joined(separator: ", "))"
        case "age_band":
            "the age band is one of \(AgeBand.allCases.map(\.rawValue).joined(separator: ", "))"
        case "sex":
            "sex is one of \(Sex.allCases.map(\.rawValue).joined(separator: ", "))"
        case "basis":
            "the consent basis is one of \(ConsentBasis.allCases.map(\.rawValue).joined(separator: ", "))"
        case "state":
            "the state is one of \(HandoffState.allCases.map(\.rawValue).joined(separator: ", "))"
        case "direction":
            "the direction is sent or received"
        default:
            "this value is not allowed here"
        }
    }

    /// Refuses a document that nests objects and arrays deeper than `Limits.jsonDepth`, before
    /// any decoder recurses into it. Brackets inside strings do not count.
    static func checkDepth(_ bytes: [UInt8], what: String) throws(ProtocolError) {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > Limits.jsonDepth {
                    throw ProtocolError(.badJSON, "\(what) nests objects and arrays more than \(Limits.jsonDepth) levels deep; flatten it")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            default:
                break
            }
        }
    }
}

extension LedgerReport {
    /// Decodes and checks a ledger report as sent in a REPORT frame.
    public static func decode(json bytes: [UInt8]) throws(ProtocolError) -> LedgerReport {
        guard bytes.count <= Limits.reportBytes else {
            throw ProtocolError(.tooLarge, "the ledger report is \(bytes.count) bytes; at most \(Limits.reportBytes) are allowed")
        }
        try JSONDiagnostics.checkDepth(bytes, what: "the ledger report")
        guard RoutingFastDecoder.parse(bytes) != nil else {
            throw ProtocolError(.badJSON, "the ledger report is not valid JSON")
        }
        do {
            return try JSONDecoder().decode(LedgerReport.self, from: Data(bytes))
        } catch let error as DecodingError {
            let failure = JSONDiagnostics.Failure(error, root: "report")
            switch failure.kind {
            case .notJSON:
                throw ProtocolError(.badJSON, "the ledger report is not valid JSON")
            case .missing:
                throw ProtocolError(.badJSON, "\(failure.field) is missing from the ledger report")
            case .null:
                throw ProtocolError(.badJSON, "\(failure.field) is null in the ledger report")
            case .wrongType(let expected):
                throw ProtocolError(.badJSON, "\(failure.field) has the wrong type: it must be \(expected)")
            case .invalidValue:
                throw ProtocolError(.badJSON, "\(failure.field) is not valid: \(JSONDiagnostics.rule(for: failure.path))")
            }
        } catch {
            throw ProtocolError(.badJSON, "the ledger report is not valid JSON")
        }
    }
}
