/// The canonical JSON of the routing part, written by hand: keys sorted, no insignificant space,
/// absent optionals left out. It is what the router stores, forwards and compares for
/// idempotency, and it is on the hot path of every submit, where JSONEncoder cost ~30 µs.
extension Routing {
    public func canonicalJSON() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        out.append(UInt8(ascii: "{"))
        out.appendKey("age_band", first: true); out.appendString(ageBand.rawValue)
        out.appendKey("consent")
        out.append(UInt8(ascii: "{"))
        out.appendKey("basis", first: true); out.appendString(consent.basis.rawValue)
        out.appendKey("obtained_on"); out.appendString(consent.obtainedOn.description)
        out.appendKey("recorded_by"); out.appendString(consent.recordedBy)
        out.append(UInt8(ascii: "}"))
        out.appendKey("created_at"); out.appendString(createdAt)
        if let dueDate {
            out.appendKey("due_date"); out.appendString(dueDate.description)
        }
        out.appendKey("from"); out.appendString(from.rawValue)
        out.appendKey("id"); out.appendString(id.rawValue)
        out.appendKey("municipality"); out.appendString(municipality)
        out.appendKey("needs")
        out.append(UInt8(ascii: "["))
        for (index, need) in needs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendString(need.rawValue)
        }
        out.append(UInt8(ascii: "]"))
        out.appendKey("sex"); out.appendString(sex.rawValue)
        out.appendKey("to"); out.appendString(to.rawValue)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension [UInt8] {
    fileprivate mutating func appendKey(_ key: StaticString, first: Bool = false) {
        if !first { append(UInt8(ascii: ",")) }
        append(UInt8(ascii: "\""))
        key.withUTF8Buffer { append(contentsOf: $0) }
        append(UInt8(ascii: "\""))
        append(UInt8(ascii: ":"))
    }

    /// A JSON string: quotes, backslashes and control characters escaped; other UTF-8 as is.
    fileprivate mutating func appendString(_ text: String) {
        append(UInt8(ascii: "\""))
        // Nearly every string needs no escaping: copy it whole, from its contiguous bytes.
        var text = text
        let copied = text.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            append(contentsOf: bytes)
            return true
        }
        if copied {
            append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): append(contentsOf: [92, 92])
            case 0x0A: append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: append(contentsOf: [92, UInt8(ascii: "t")])
            case 0x08: append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                append(contentsOf: [92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: append(byte)
            }
        }
        append(UInt8(ascii: "\""))
    }
}
