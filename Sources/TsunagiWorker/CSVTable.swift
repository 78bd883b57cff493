/// A minimal RFC 4180 reader: comma-separated, double-quoted fields may hold commas, quotes ("")
/// and line breaks. UTF-8 with or without a byte-order mark, CRLF or LF.
struct CSVTable {
    /// Rows of fields; each row remembers its line number in the file (1-based) for error messages.
    var rows: [(line: Int, fields: [String])] = []

    struct Malformed: Error {
        let line: Int
        let message: String
    }

    init(text: String) throws(Malformed) {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var parsed: [(line: Int, fields: [String])] = []
        var field = String.UnicodeScalarView()
        var fields: [String] = []
        var line = 1
        var rowStart = 1
        var inQuotes = false
        var quotedFieldEnded = false
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        func endRow() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            // A blank line is not a row.
            if !(fields.count == 1 && fields[0].isEmpty) { parsed.append((rowStart, fields)) }
            fields = []
        }
        while let scalar = pending {
            pending = iterator.next()
            if inQuotes {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = iterator.next()
                    } else {
                        inQuotes = false
                        quotedFieldEnded = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(String(field))
                field = String.UnicodeScalarView()
                quotedFieldEnded = false
            case "\r":
                if pending == "\n" { continue }
                endRow(); line += 1; rowStart = line; quotedFieldEnded = false
            case "\n":
                endRow(); line += 1; rowStart = line; quotedFieldEnded = false
            case "\"" where field.isEmpty && !quotedFieldEnded:
                inQuotes = true
            default:
                if quotedFieldEnded {
                    throw Malformed(line: line, message: "text follows a closing quote; put the whole field in quotes and double any quote inside it")
                }
                field.append(scalar)
            }
        }
        if inQuotes {
            throw Malformed(line: rowStart, message: "a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        rows = parsed
    }
}
