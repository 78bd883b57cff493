/// The routing part read member by member, in the reader's one pass: each known key is matched by
/// its bytes and its value read straight into the field it fills. Members the router does not
/// know are read as any JSON value (so the document is still checked to be exactly JSON) and
/// otherwise ignored, as JSONDecoder ignores them, but never twice.
extension RoutingFastDecoder.Reader {
    /// The routing object at the reader's position, or nil when it is anything but a plain,
    /// complete routing document (the caller then leaves it to JSONDecoder).
    mutating func routing() -> Routing? {
        // A bit per known key: a duplicate is left to JSONDecoder.
        var seen: UInt16 = 0
        var unknownKeys: Set<String> = []
        var id: ReferralID?, from: AgencyID?, to: AgencyID?, createdAt: String?, needs: [Need]?
        var ageBand: AgeBand?, sex: Sex?, municipality: String?, consent: Consent?
        var dueDate: CivilDate?
        let complete = members { reader, key in
            let bit: UInt16
            if Self.key(key, is: "id") {
                guard let text = reader.stringValue(), let parsed = ReferralID(rawValue: text) else { return false }
                id = parsed; bit = 1 << 0
            } else if Self.key(key, is: "from") {
                guard let text = reader.stringValue(), let parsed = AgencyID(rawValue: text) else { return false }
                from = parsed; bit = 1 << 1
            } else if Self.key(key, is: "to") {
                guard let text = reader.stringValue(), let parsed = AgencyID(rawValue: text) else { return false }
                to = parsed; bit = 1 << 2
            } else if Self.key(key, is: "created_at") {
                guard let text = reader.stringValue() else { return false }
                createdAt = text; bit = 1 << 3
            } else if Self.key(key, is: "needs") {
                guard let values = reader.needs() else { return false }
                needs = values; bit = 1 << 4
            } else if Self.key(key, is: "age_band") {
                guard let parsed = reader.caseValue(CaseBytes.ageBands) else { return false }
                ageBand = parsed; bit = 1 << 5
            } else if Self.key(key, is: "sex") {
                guard let parsed = reader.caseValue(CaseBytes.sexes) else { return false }
                sex = parsed; bit = 1 << 6
            } else if Self.key(key, is: "municipality") {
                guard let text = reader.stringValue() else { return false }
                municipality = text; bit = 1 << 7
            } else if Self.key(key, is: "consent") {
                guard let value = reader.consent() else { return false }
                consent = value; bit = 1 << 8
            } else if Self.key(key, is: "due_date") {
                reader.skipSpace()
                if reader.literal("null") {
                    dueDate = nil
                } else {
                    guard let text = reader.stringValue(), let date = CivilDate(text) else { return false }
                    dueDate = date
                }
                bit = 1 << 9
            } else {
                return reader.unknownMember(key, seen: &unknownKeys)
            }
            guard seen & bit == 0 else { return false }
            seen |= bit
            return true
        }
        guard complete, let id, let from, let to, let createdAt, let needs, let ageBand, let sex, let municipality,
              let consent
        else { return nil }
        return Routing(id: id, from: from, to: to, createdAt: createdAt, needs: needs, ageBand: ageBand, sex: sex,
                       municipality: municipality, consent: consent, dueDate: dueDate)
    }

    private mutating func consent() -> Consent? {
        var seen: UInt8 = 0
        var unknownKeys: Set<String> = []
        var basis: ConsentBasis?, obtainedOn: CivilDate?, recordedBy: String?
        let complete = members { reader, key in
            let bit: UInt8
            if Self.key(key, is: "basis") {
                guard let parsed = reader.caseValue(CaseBytes.consentBases) else { return false }
                basis = parsed; bit = 1 << 0
            } else if Self.key(key, is: "obtained_on") {
                guard let text = reader.stringValue(), let parsed = CivilDate(text) else { return false }
                obtainedOn = parsed; bit = 1 << 1
            } else if Self.key(key, is: "recorded_by") {
                guard let text = reader.stringValue() else { return false }
                recordedBy = text; bit = 1 << 2
            } else {
                return reader.unknownMember(key, seen: &unknownKeys)
            }
            guard seen & bit == 0 else { return false }
            seen |= bit
            return true
        }
        guard complete, let basis, let obtainedOn, let recordedBy else { return nil }
        return Consent(basis: basis, obtainedOn: obtainedOn, recordedBy: recordedBy)
    }

    /// An array of needs, each a known need's string.
    private mutating func needs() -> [Need]? {
        var needs: [Need] = []
        let complete = elements { reader in
            guard let need = reader.caseValue(CaseBytes.needs) else { return false }
            needs.append(need)
            return true
        }
        return complete ? needs : nil
    }

    /// Reads an object, calling `member` with each key and the reader at its value, which
    /// `member` reads. False when the object is not exactly JSON, a key has escapes, or `member`
    /// gave up.
    private mutating func members(_ member: (inout Self, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
        depth += 1
        guard depth <= Limits.jsonDepth else { return false }
        defer { depth -= 1 }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            skipSpace()
            guard let key = plainKey() else { return false }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            guard member(&self, key) else { return false }
            skipSpace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return true }
            return false
        }
    }

    /// A key's bytes, when it is written without escapes: a key such as `"\u0069d"` is `id` to
    /// JSONDecoder, so it is left to it rather than taken for a member the router ignores.
    private mutating func plainKey() -> UnsafeBufferPointer<UInt8>? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    /// A member the router does not read: any JSON value, under a key seen once in this object
    /// (a set, so that thousands of small members cost a hash each, not a search of the others).
    private mutating func unknownMember(_ key: UnsafeBufferPointer<UInt8>, seen: inout Set<String>) -> Bool {
        guard let name = String(validating: key, as: UTF8.self), seen.insert(name).inserted else { return false }
        return value() != nil
    }

    /// A string value at the reader's position.
    private mutating func stringValue() -> String? {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        return string()
    }

    /// A string value naming one of a few known cases, matched by its bytes: no `String` is made
    /// for a value the router only has to recognize. Nil for anything else, escapes included
    /// (the caller then leaves the document to JSONDecoder, whose error names the field).
    private mutating func caseValue<Case>(_ cases: [(bytes: [UInt8], value: Case)]) -> Case? {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard let known = cases.first(where: { $0.bytes.elementsEqual(text) }) else { return nil }
        index = end + 1
        return known.value
    }

    private static func key(_ key: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for offset in 0..<key.count where key[offset] != expected[offset] { return false }
        return true
    }
}

/// The known cases of the routing part's enumerations, by the bytes of their JSON names.
private enum CaseBytes {
    static let ageBands = table(AgeBand.self)
    static let sexes = table(Sex.self)
    static let consentBases = table(ConsentBasis.self)
    static let needs = table(Need.self)

    private static func table<Case: CaseIterable & RawRepresentable>(_: Case.Type) -> [(bytes: [UInt8], value: Case)]
    where Case.RawValue == String {
        Case.allCases.map { (Array($0.rawValue.utf8), $0) }
    }
}
