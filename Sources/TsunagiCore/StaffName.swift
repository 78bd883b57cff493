/// The name of the staff member who gave an answer, as TSP/1 carries it (docs/PROTOCOL.md, the
/// staff frame) and the router's audit trail keeps it: text that coordinators read beside the
/// agency, never personal data of the person handed off.
public enum StaffName {
    /// Why `name` cannot go on the wire; nil when it can. Not blank, at most `Limits.staffBytes`
    /// bytes of UTF-8, no control characters (a name is printed on terminals and pages).
    public static func problem(_ name: String) -> ProtocolError? {
        if name.utf8.count > Limits.staffBytes {
            return ProtocolError(.tooLarge, "the staff name is \(name.utf8.count) bytes; at most \(Limits.staffBytes) are allowed")
        }
        if name.isBlank {
            return ProtocolError(.badFrames, "the staff frame is blank: leave it out when no staff member is named")
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return ProtocolError(.badFrames, "the staff name contains a control character")
        }
        return nil
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
