import Foundation
import TsunagiCore

/// What Excel in Japanese Windows writes: the bytes of a "CSV" (CP932) or "CSV UTF-8" (with a BOM)
/// file, cells typed with full-width digits and letters, dates as 2026/11/25.
enum ExcelText {
    enum Encoding: Equatable {
        case utf8
        case utf8WithBOM
        /// Shift_JIS as Windows writes it (code page 932, with NEC and IBM extensions).
        case cp932
    }

    /// Decodes a CSV file's bytes: valid UTF-8 first (with or without BOM), else CP932. A file
    /// neither can read is refused with a sentence, never decoded by guess.
    static func decode(_ data: Data) throws(RejectionReason) -> (text: String, encoding: Encoding) {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw RejectionReason(
                japanese: "ファイルがUTF-16（Excelの「Unicode テキスト」）で保存されています。Excelの「名前を付けて保存」で「CSV (コンマ区切り)」か「CSV UTF-8 (コンマ区切り)」を選んで保存し直してください。",
                english: "the file is UTF-16 (Excel's \"Unicode Text\"): save it from Excel as \"CSV (Comma delimited)\" or \"CSV UTF-8 (Comma delimited)\"")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let text = String(validating: bytes.dropFirst(3), as: UTF8.self) else {
                throw RejectionReason(
                    japanese: "ファイルはUTF-8の印（BOM）で始まっていますが、中身に UTF-8 として読めないバイトがあります（\(firstInvalidUTF8(Array(bytes.dropFirst(3)), offset: 3))）。Excelで開き直し「CSV UTF-8 (コンマ区切り)」で保存し直してください。",
                    english: "the file starts with a UTF-8 byte-order mark but holds bytes that are not UTF-8 (\(firstInvalidUTF8(Array(bytes.dropFirst(3)), offset: 3))): save it again from Excel as \"CSV UTF-8 (Comma delimited)\"")
            }
            return (text, .utf8WithBOM)
        }
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        if let text = String(data: data, encoding: .shiftJIS) { return (text, .cp932) }
        throw RejectionReason(
            japanese: "ファイルの文字コードが読めません: UTF-8 でも Shift_JIS (CP932) でもありません（\(firstInvalidUTF8(bytes, offset: 0))）。Excelで「CSV (コンマ区切り)」か「CSV UTF-8 (コンマ区切り)」として保存し直してください。",
            english: "the file's text encoding cannot be read: it is neither UTF-8 nor Shift_JIS (CP932) (\(firstInvalidUTF8(bytes, offset: 0))); save it from Excel as \"CSV (Comma delimited)\" or \"CSV UTF-8 (Comma delimited)\"")
    }

    /// Where the first byte that breaks UTF-8 is, for the sentence: "byte 1234: 0x8F".
    static func firstInvalidUTF8(_ bytes: [UInt8], offset: Int) -> String {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var position = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): position += String(scalar).utf8.count
            case .emptyInput: return "byte \(offset + position)"
            case .error: return String(format: "byte %d: 0x%02X", offset + position, position < bytes.count ? bytes[position] : 0)
            }
        }
    }

    /// Folds what a person types in Japanese input mode to the plain form: full-width digits,
    /// letters and punctuation (２０代, 一般就労：農業) become ASCII (NFKC), and the white space
    /// around the value, the ideographic space included, goes.
    static func fold(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The column's letter as Excel shows it: 0 → A, 25 → Z, 26 → AA.
    static func columnLetter(_ index: Int) -> String {
        var number = index + 1
        var letters = ""
        while number > 0 {
            let remainder = (number - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + remainder))) + letters
            number = (number - 1) / 26
        }
        return letters
    }

    /// A character from the private-use area: Windows' 外字 (user-defined characters), which no
    /// other machine shows as the writer saw it.
    static func privateUseCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { (0xE000...0xF8FF).contains($0.value) || $0.value >= 0xF0000 }
    }
}

/// Dates and times as Excel writes them once a cell is formatted as a date: `2026/11/25`,
/// `2026/1/5`, `2026-11-25`, `2026/12/02 10:00`; ISO 8601 with an offset as the JSON documents
/// carry it. A time without an offset is Japan time.
enum ExcelDates {
    /// `2026/11/25`, `2026-11-25`, single-digit month or day too. The text is folded already.
    static func date(_ text: String) -> CivilDate? {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "/" || $0 == "-" })
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        // One separator kind per date: 2026/11-25 is a typo, not a date.
        guard text.filter({ $0 == "/" }).count == 2 || text.filter({ $0 == "-" }).count == 2 else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// A creation time as ISO 8601 with an offset (the routing's `created_at`), from
    /// `2026-12-02 10:00`, `2026/12/02 10:00:30`, `2026/12/2`, `2026-12-02T10:00:00+09:00`.
    static func timestamp(_ text: String) -> String? {
        var rest = Substring(text)
        let datePart = rest.prefix { $0 != " " && $0 != "T" }
        guard let date = date(String(datePart)) else { return nil }
        rest = rest.dropFirst(datePart.count)
        if rest.isEmpty {
            return format(date, hour: 0, minute: 0, second: 0, fraction: "", offset: "+09:00")
        }
        rest = rest.dropFirst() // the space or the T
        while rest.first == " " { rest = rest.dropFirst() }
        // The offset, when there is one: Z, +09:00, +0900.
        var offset = "+09:00"
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            offset = "Z"
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = rest[rest.index(after: sign)...].filter { $0 != ":" }
            guard zone.count == 4, zone.allSatisfy(\.isASCII), let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)),
                  hours <= 14, minutes < 60
            else { return nil }
            offset = "\(rest[sign])\(zone.prefix(2)):\(zone.suffix(2))"
            rest = rest[..<sign]
        }
        var fraction = ""
        if let dot = rest.firstIndex(of: ".") {
            let digits = rest[rest.index(after: dot)...]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = "." + digits
            rest = rest[..<dot]
        }
        let clock = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(clock.count), clock.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hour = Int(clock[0]), let minute = Int(clock[1]), clock[1].count == 2
        else { return nil }
        let second = clock.count == 3 ? Int(clock[2]) : 0
        guard let second, clock.count == 2 || clock[2].count == 2, hour < 24, minute < 60, second < 60 else { return nil }
        if clock.count == 2, !fraction.isEmpty { return nil }
        let result = format(date, hour: hour, minute: minute, second: second, fraction: fraction, offset: offset)
        return Timestamp.epochSeconds(result) == nil ? nil : result
    }

    /// A moment as Japan time with its offset, e.g. the file's modification time.
    static func timestamp(_ moment: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .japan
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: moment)
        let date = CivilDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1) ?? CivilDate(moment)
        return format(date, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0, fraction: "", offset: "+09:00")
    }

    private static func format(_ date: CivilDate, hour: Int, minute: Int, second: Int, fraction: String, offset: String) -> String {
        date.description + String(format: "T%02d:%02d:%02d", hour, minute, second) + fraction + offset
    }
}
