/// A decoder for well-formed routing documents that skips Codable's generic machinery, which cost
/// ~20 µs of every submit. It returns nil on anything unusual — malformed JSON, a duplicate or
/// missing key, a wrong type — and the caller then decodes with JSONDecoder, whose errors name the
/// field. So it only has to be right about what it accepts, never about what it refuses.
enum RoutingFastDecoder {
    static func decode(_ bytes: [UInt8]) -> Routing? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            guard case .object(let fields)? = reader.value(), reader.atEnd() else { return nil }
            return routing(fields)
        }
    }

    private static func routing(_ fields: [(String, Value)]) -> Routing? {
        guard let map = unique(fields),
              case .string(let idText)? = map["id"], let id = ReferralID(rawValue: idText),
              case .string(let fromText)? = map["from"], let from = AgencyID(rawValue: fromText),
              case .string(let toText)? = map["to"], let to = AgencyID(rawValue: toText),
              case .string(let createdAt)? = map["created_at"],
              case .array(let needValues)? = map["needs"],
              case .string(let ageText)? = map["age_band"], let ageBand = AgeBand(rawValue: ageText),
              case .string(let sexText)? = map["sex"], let sex = Sex(rawValue: sexText),
              case .string(let municipality)? = map["municipality"],
              case .object(let consentFields)? = map["consent"], let consentMap = unique(consentFields),
              case .string(let basisText)? = consentMap["basis"], let basis = ConsentBasis(rawValue: basisText),
              case .string(let obtainedText)? = consentMap["obtained_on"], let obtainedOn = CivilDate(obtainedText),
              case .string(let recordedBy)? = consentMap["recorded_by"]
        else { return nil }
        var needs: [Need] = []
        for value in needValues {
            guard case .string(let text) = value, let need = Need(rawValue: text) else { return nil }
            needs.append(need)
        }
        var dueDate: CivilDate?
        switch map["due_date"] {
        case nil, .null?: dueDate = nil
        case .string(let text)?:
            guard let date = CivilDate(text) else { return nil }
            dueDate = date
        default: return nil
        }
        return Routing(id: id, from: from, to: to, createdAt: createdAt, needs: needs, ageBand: ageBand, sex: sex,
                       municipality: municipality, consent: Consent(basis: basis, obtainedOn: obtainedOn, recordedBy: recordedBy),
                       dueDate: dueDate)
    }

    private static func unique(_ fields: [(String, Value)]) -> [String: Value]? {
        var map: [String: Value] = [:]
        for (key, value) in fields {
            guard map.updateValue(value, forKey: key) == nil else { return nil }
        }
        return map
    }

    indirect enum Value {
        case string(String)
        case array([Value])
        case object([(String, Value)])
        case null
        /// Numbers and booleans: never valid in a routing document, so their value is not kept.
        case other
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func atEnd() -> Bool {
            skipSpace()
            return index == bytes.count
        }

        mutating func value() -> Value? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"): return literal("true") ? .other : nil
            case UInt8(ascii: "f"): return literal("false") ? .other : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number() ? .other : nil
            default: return nil
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func number() -> Bool {
            let start = index
            while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
            return index > start
        }

        mutating func object() -> Value? {
            depth += 1
            guard depth < 16 else { return nil }
            defer { depth -= 1 }
            index += 1
            var fields: [(String, Value)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = value() else { return nil }
                fields.append((key, value))
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
                return nil
            }
        }

        mutating func array() -> Value? {
            depth += 1
            guard depth < 16 else { return nil }
            defer { depth -= 1 }
            index += 1
            var values: [Value] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                guard let value = value() else { return nil }
                values.append(value)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(values) }
                return nil
            }
        }

        /// A string without escapes is taken as it is; one with escapes goes back to JSONDecoder
        /// (routing documents rarely carry any), which keeps this reader small.
        mutating func string() -> String? {
            index += 1
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }
    }
}
