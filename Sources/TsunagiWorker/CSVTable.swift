import SwiftCSV
import TsunagiCore

/// A CSV file's rows as Excel numbers them, read with SwiftCSV (RFC 4180: double-quoted fields
/// may hold commas, doubled quotes and line breaks, CRLF or LF between rows). A row whose quoted
/// field spans two lines is still one row, as in Excel.
struct CSVTable {
    struct Row {
        /// The row's number as Excel shows it (the heading row is 1).
        let line: Int
        let fields: [String]

        /// A blank line, or a row of empty cells (`,,,,`) Excel writes below a table.
        var isBlank: Bool { fields.allSatisfy { $0.isBlank } }
    }

    var rows: [Row] = []

    struct Malformed: Error {
        let line: Int
        let japanese: String
        let english: String
    }

    init(text: String) throws(Malformed) {
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var records: [[String]] = []
        do {
            // rowLimit 0: the reader's own table is not needed; the rows come from the enumeration.
            let reader = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false, rowLimit: 0)
            try reader.enumerateAsArray(startAt: 0, rowLimit: nil) { records.append($0) }
        } catch {
            // The row being read when the reader stopped is the one after the rows it returned.
            throw Malformed(
                line: records.count + 1,
                japanese: "引用符（\"）の使い方が正しくありません: 引用符で囲んだ値の後ろに文字が続いています。値全体を \"…\" で囲み、中の \" は \"\" と二つ重ねて書いてください。",
                english: "a quote (\") is misplaced: text follows a closing quote; put the whole value in quotes and double any quote inside it (\"\")")
        }
        // Quotes come in pairs in a well-formed file; one left open runs to the end of the file,
        // which the reader takes as one long value.
        if text.utf8.lazy.filter({ $0 == UInt8(ascii: "\"") }).count % 2 == 1 {
            throw Malformed(
                line: max(records.count, 1),
                japanese: "引用符（\"）が閉じられていません。値を \"…\" で囲むときは閉じる \" を忘れずに書き、中の \" は \"\" と二つ重ねてください。",
                english: "a quote (\") is never closed: end a quoted value with a quote, and double any quote inside it (\"\")")
        }
        rows = records.enumerated().map { Row(line: $0.offset + 1, fields: $0.element) }
    }
}
