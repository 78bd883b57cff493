/// The name of the staff member who gave an answer, as TSP/1 carries it (docs/PROTOCOL.md, the
/// staff frame) and the router's audit trail keeps it: text that coordinators read beside the
/// agency, never personal data of the person handed off.
public enum StaffName {
    /// Why `name` cannot go on the wire; nil when it can. Not blank, at most `Limits.staffBytes`
    /// bytes of UTF-8, no control or invisible format characters (a name is printed on terminals and pages).
    public static func problem(_ name: String) -> ProtocolError? {
        if name.utf8.count > Limits.staffBytes {
            return ProtocolError(.tooLarge, "the staff name is \(name.utf8.count) bytes; at most \(Limits.staffBytes) are allowed")
        }
        if name.isBlank {
            return ProtocolError(.badFrames, "the staff frame is blank: leave it out when no staff member is named")
        }
        if name.unicodeScalars.contains(where: isControl) {
            return ProtocolError(.badFrames, "the staff name contains a control character")
        }
        return nil
    }

    /// C0 and C1 controls (U+009B starts a terminal escape), line and paragraph separators, and
    /// invisible format characters such as bidi overrides; the zero-width joiner stays, as names
    /// written with emoji sequences need it.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        case .format: return scalar != "\u{200D}"
        default: return false
        }
    }

    /// The staff frame of a received answer, checked.
    static func frame(_ bytes: [UInt8]) throws(ProtocolError) -> String {
        guard bytes.count <= Limits.staffBytes else {
            throw ProtocolError(.tooLarge, "the staff name is \(bytes.count) bytes; at most \(Limits.staffBytes) are allowed")
        }
        guard let name = String(validating: bytes, as: UTF8.self) else {
            throw ProtocolError(.badFrames, "the staff frame is not UTF-8 text")
        }
        if let problem = problem(name) { throw problem }
        return name
    }
}
