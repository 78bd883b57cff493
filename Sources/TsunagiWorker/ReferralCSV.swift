import Foundation
import TsunagiCore

/// The CSV side of the outbox: one referral per row, the agency kind's Japanese headings, as
/// Excel in Japanese Windows saves it (CP932 or UTF-8, CRLF, 2026/11/25, full-width ２０代).
extension ReferralFileReader {
    /// Routing headings shared by every kind, with the routing field each one fills.
    public static let routingHeadings: [(heading: String, field: String, required: Bool)] = [
        ("紹介ID", "id", true),
        ("紹介先", "to", true),
        ("作成日時", "created_at", false),
        ("支援ニーズ", "needs", true),
        ("年代", "age_band", true),
        ("性別", "sex", true),
        ("市町村", "municipality", true),
        ("同意の根拠", "consent.basis", true),
        ("同意取得日", "consent.obtained_on", true),
        ("同意記録者", "consent.recorded_by", true),
        ("応答期限", "due_date", false),
    ]

    func readCSV(_ data: Data, modified: Date, earlierCreation: (ReferralID) -> String?) throws(RejectionReason) -> [FileReferral] {
        let text = try ExcelText.decode(data).text
        let table: CSVTable
        do {
            table = try CSVTable(text: text)
        } catch {
            throw RejectionReason(japanese: error.japanese, english: error.english, place: .row(error.line))
        }
        let rows = table.rows.filter { !$0.isBlank }
        guard let header = rows.first else {
            throw RejectionReason(
                japanese: "CSVファイルが空です。1行目に列名（\(Self.routingHeadings.map(\.heading).joined(separator: ", "))）を書き、2行目から紹介を一行ずつ書いてください。",
                english: "the CSV file is empty: its first line names the columns (\(Self.routingHeadings.map(\.heading).joined(separator: ", "))), then one referral per line")
        }
        var problems: [FileProblem] = []
        let headings = header.fields.map(ExcelText.fold)
        var index: [String: Int] = [:]
        var headingsUsable = true
        let known = Set(Self.routingHeadings.map(\.heading) + profile.personalColumns.map(\.heading) + ["紹介元"])
        let expected = (Self.routingHeadings.map(\.heading) + profile.personalColumns.map(\.heading)).joined(separator: ", ")
        for (position, heading) in headings.enumerated() where !heading.isEmpty {
            let place = FileProblem.Place.cell(row: header.line, column: ExcelText.columnLetter(position), heading: heading)
            if let first = index[heading] {
                problems.append(FileProblem(place, japanese: "この列名は \(ExcelText.columnLetter(first))列にもあります。どちらか一方を消すか名前を直してください。",
                                            english: "this heading is also column \(ExcelText.columnLetter(first)): keep one of them"))
                headingsUsable = false
                continue
            }
            index[heading] = position
            if !known.contains(heading) {
                problems.append(FileProblem(place, japanese: "「\(heading)」は\(profile.japaneseName)（\(profile.kind)）の列名ではありません。使える列名: \(expected)",
                                            english: "'\(heading)' is not a column of this agency kind (\(profile.kind)); the columns are \(expected)"))
            }
        }
        for column in Self.routingHeadings where column.required && index[column.heading] == nil {
            problems.append(FileProblem(.row(header.line), japanese: "「\(column.heading)」の列がありません。\(header.line)行目に「\(column.heading)」という列名を加えてください。",
                                        english: "the column \(column.heading) (\(column.field)) is missing: add a heading \(column.heading)"))
            headingsUsable = false
        }
        let dataRows = rows.dropFirst()
        if dataRows.isEmpty {
            problems.append(FileProblem(.file, japanese: "見出しの行だけで、紹介の行がありません。2行目から紹介を一行ずつ書いてください。",
                                        english: "the CSV file has headings but no referral rows"))
        }
        guard headingsUsable else { throw RejectionReason(problems) }
        var referrals: [FileReferral] = []
        // Every row's id, whether or not the row has other errors: a second row with the same id
        // is an error of its own, listed with the rest.
        var seen: [ReferralID: Int] = [:]
        for row in dataRows {
            var cells = CSVCells(line: row.line, fields: row.fields, headings: headings, index: index)
            let referral = readRow(&cells, modified: modified, earlierCreation: earlierCreation)
            if let id = ReferralID(rawValue: cells.folded("紹介ID")) {
                if let earlier = seen[id] {
                    cells.add("紹介ID", "紹介ID「\(id)」は \(earlier)行目にもあります。紹介ごとに別のIDを付けてください。",
                              "referral id \(id) is also on line \(earlier): each referral needs its own id")
                } else {
                    seen[id] = row.line
                }
            }
            problems += cells.problems
            if let referral, cells.problems.isEmpty {
                referrals.append(FileReferral(referral: referral, place: .row(row.line)))
            }
        }
        guard problems.isEmpty else { throw RejectionReason(problems) }
        return referrals
    }

    /// One row's referral, or nil with the row's problems in `cells`.
    func readRow(_ cells: inout CSVCells, modified: Date, earlierCreation: (ReferralID) -> String?) -> Referral? {
        let before = cells.problems.count
        for (position, field) in cells.fields.enumerated() {
            let heading = position < cells.headings.count ? cells.headings[position] : ""
            if heading.isEmpty, !field.isBlank {
                cells.problems.append(FileProblem(.cell(row: cells.line, column: ExcelText.columnLetter(position), heading: "（見出しなし）"),
                                                  japanese: "この列には見出しがありません。1行目に列名を書くか、この値を消してください。",
                                                  english: "this column has no heading: name it on line 1 or clear the value"))
                break
            }
        }
        for (position, field) in cells.fields.enumerated() where position < cells.headings.count && !cells.headings[position].isEmpty {
            if let character = ExcelText.privateUseCharacter(in: field) {
                cells.add(cells.headings[position], String(format: "外字（利用者定義文字 U+%04X）が含まれています。ほかの機関では読めないため、通常の文字に置き換えてください。", character.value),
                          String(format: "holds a user-defined character (U+%04X) no other machine can show: replace it with a standard character", character.value))
            }
        }

        let source = cells.folded("紹介元")
        if !source.isEmpty, source != agency.rawValue {
            cells.add("紹介元", "「\(source)」ですが、このワーカーは \(agency) の紹介を送ります。\(agency) と書くか、空欄にしてください。",
                      "is \(source) but this worker sends for \(agency): write \(agency) or leave it empty")
        }

        let idText = cells.folded("紹介ID")
        let id = ReferralID(rawValue: idText)
        if idText.isEmpty {
            cells.add("紹介ID", "空欄です。半角英数字と . _ : - で64文字までのIDを書いてください（例: SK-2026-0033）。",
                      "is empty: write an id of up to 64 letters, digits, '.', '_', ':' or '-' (e.g. SK-2026-0033)")
        } else if id == nil {
            cells.add("紹介ID", "「\(idText.prefix(80))」は紹介IDに使えません。半角英数字と . _ : - で64文字までにしてください（例: SK-2026-0033）。",
                      "'\(idText.prefix(80))' is not a referral id: use up to 64 letters, digits, '.', '_', ':' or '-' (e.g. SK-2026-0033)")
        }

        let toText = cells.folded("紹介先").lowercased()
        let to = AgencyID(rawValue: toText)
        if toText.isEmpty {
            cells.add("紹介先", "空欄です。紹介先の機関IDを書いてください（例: saposute.kochi）。", "is empty: write the destination's agency id (e.g. saposute.kochi)")
        } else if let to {
            if let problem = destinationProblem(to) { cells.add("紹介先", problem.japanese, problem.english) }
        } else {
            cells.add("紹介先", "「\(toText.prefix(80))」は機関IDではありません。saposute.kochi のように書いてください。",
                      "'\(toText.prefix(80))' is not an agency id: write one such as saposute.kochi")
        }

        let createdText = cells.folded("作成日時")
        // Left empty: when it was sent before, the time it was sent with; else the file's time.
        let createdAt = createdText.isEmpty ? id.flatMap(earlierCreation) ?? ExcelDates.timestamp(modified)
                                            : ExcelDates.timestamp(createdText)
        if createdAt == nil {
            cells.add("作成日時", "「\(createdText.prefix(40))」は日時として読めません。2026/12/02 10:00 のように書くか、空欄にしてください（空欄ならファイルを保存した時刻、前に送った紹介IDなら送ったときの時刻）。",
                      "'\(createdText.prefix(40))' is not a date and time: write e.g. 2026/12/02 10:00 (Japan time), or leave it empty for the file's time (for an id sent before, the time it was sent with)")
        }
        let createdDay = createdAt.flatMap(Routing.parseTimestamp).map { CivilDate($0, in: .japan) }

        var needs: [Need] = []
        let needText = cells.folded("支援ニーズ")
        for word in needText.split(whereSeparator: { "・、,;|/ ".contains($0) }) where !word.isEmpty {
            guard let need = Self.needWords.first(where: { $0.word == word })?.need ?? Need(rawValue: String(word)) else {
                cells.add("支援ニーズ", "「\(word)」は支援ニーズではありません。\(Self.needList) から選び、二つ以上は「・」でつないでください（例: 就労・居場所）。",
                          "'\(word)' is not a need: write \(Self.needList), several joined by ・ (e.g. 就労・居場所)")
                continue
            }
            if !needs.contains(need) { needs.append(need) }
        }
        if needText.isEmpty {
            cells.add("支援ニーズ", "空欄です。\(Self.needList) から一つ以上書いてください（例: 就労・居場所）。",
                      "is empty: write at least one of \(Self.needList) (e.g. 就労・居場所)")
        }

        let ageText = cells.folded("年代")
        let age = Self.ageBand(ageText)
        if age == nil {
            cells.add("年代", ageText.isEmpty ? "空欄です。\(Self.ageList) のどれかを書いてください（わからなければ 不明）。"
                                              : "「\(ageText.prefix(40))」は年代として読めません。\(Self.ageList) のどれかを書いてください。",
                      ageText.isEmpty ? "is empty: write one of \(Self.ageList) (不明 when unknown)"
                                      : "'\(ageText.prefix(40))' is not an age band: write one of \(Self.ageList)")
        }

        let sexText = cells.folded("性別")
        let sex = Self.sexWords.first(where: { $0.word == sexText })?.sex ?? Sex(rawValue: sexText)
        if sex == nil {
            cells.add("性別", sexText.isEmpty ? "空欄です。\(Self.sexList) のどれかを書いてください。" : "「\(sexText.prefix(40))」は性別の値ではありません。\(Self.sexList) のどれかを書いてください。",
                      sexText.isEmpty ? "is empty: write one of \(Self.sexList)" : "'\(sexText.prefix(40))' is not one of \(Self.sexList)")
        }

        let municipality = cells.folded("市町村")
        cells.checkShortText("市町村", municipality, example: "須崎市")

        let basisText = cells.folded("同意の根拠")
        let basis = Self.consentWords.first(where: { $0.word == basisText })?.basis ?? ConsentBasis(rawValue: basisText)
        if basis == nil {
            cells.add("同意の根拠", basisText.isEmpty ? "空欄です。同意なしには紹介できません。\(Self.consentList) のどれかを書いてください。"
                                                      : "「\(basisText.prefix(40))」は同意の根拠ではありません。\(Self.consentList) のどれかを書いてください。",
                      basisText.isEmpty ? "is empty: a referral needs consent; write one of \(Self.consentList)"
                                        : "'\(basisText.prefix(40))' is not a consent basis: write one of \(Self.consentList)")
        }

        let obtained = cells.date("同意取得日", required: true)
        if let obtained, let createdDay, obtained > createdDay {
            cells.add("同意取得日", "同意取得日（\(Self.slashed(obtained))）が作成日（\(Self.slashed(createdDay))）より後です。同意は紹介の前に得てください。",
                      "\(obtained) is after the referral was created (\(createdDay)): consent must come first")
        }
        let recorder = cells.raw("同意記録者").trimmingCharacters(in: .whitespacesAndNewlines)
        cells.checkShortText("同意記録者", recorder, example: "相談員A")

        let due = cells.date("応答期限", required: false)
        if let due, let createdDay, due < createdDay {
            cells.add("応答期限", "応答期限（\(Self.slashed(due))）が作成日（\(Self.slashed(createdDay))）より前です。作成日以降の日付にするか、空欄にしてください。",
                      "\(due) is before the referral was created (\(createdDay)): give a later date or leave it empty")
        }

        var personal: [String: String] = [:]
        for column in profile.personalColumns {
            let text = cells.raw(column.heading).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            if column.allowedValues.isEmpty {
                personal[column.key] = text
            } else if let value = column.allowedValues.first(where: { ExcelText.fold($0) == ExcelText.fold(text) }) {
                personal[column.key] = value
            } else {
                let allowed = column.allowedValues.joined(separator: ", ")
                cells.add(column.heading, "「\(text.prefix(40))」は使えません。\(allowed) のどれかを書くか、空欄にしてください。",
                          "'\(text.prefix(40))' is not one of \(allowed)")
            }
        }
        let personalBytes = (try? JSONSerialization.data(withJSONObject: personal, options: [.sortedKeys, .withoutEscapingSlashes])).map(Array.init) ?? []
        if let problem = personalSizeProblem(personalBytes.count, place: .row(cells.line)) { cells.problems.append(problem) }

        guard cells.problems.count == before, let id, let to, let createdAt, let age, let sex, let basis, let obtained else { return nil }
        let routing = Routing(id: id, from: agency, to: to, createdAt: createdAt, needs: needs, ageBand: age, sex: sex,
                              municipality: municipality, consent: Consent(basis: basis, obtainedOn: obtained, recordedBy: recorder),
                              dueDate: due)
        do {
            // The checks above cover the fields one by one; this is the protocol's own word on the whole.
            try routing.validate()
        } catch {
            cells.problems.append(FileProblem(.row(cells.line), japanese: "この行は受け付けられません: \(Self.withHeadings(error.message))",
                                              english: Self.withHeadings(error.message)))
            return nil
        }
        return Referral(routing: routing, personal: personalBytes)
    }

    /// 20代, ２０代 (folded already), 20s; 70代 and older are 60代以上.
    static func ageBand(_ text: String) -> AgeBand? {
        if let band = AgeBand.allCases.first(where: { $0.japaneseLabel == text }) ?? AgeBand(rawValue: text) { return band }
        if ["60代", "70代", "80代", "90代", "60歳以上"].contains(text) { return .sixtiesAndOver }
        return nil
    }

    static func slashed(_ date: CivilDate) -> String { "\(date.year)/\(date.month)/\(date.day)" }

    /// Names CSV columns, not JSON fields, in a validation message.
    static func withHeadings(_ message: String) -> String {
        var text = message
        for column in routingHeadings.sorted(by: { $0.field.count > $1.field.count }) {
            text = text.replacingOccurrences(of: "routing.\(column.field)", with: "\(column.heading) (\(column.field))")
        }
        return text
    }
}

/// One CSV row's cells by heading, and the problems found in them.
struct CSVCells {
    let line: Int
    let fields: [String]
    let headings: [String]
    let index: [String: Int]
    var problems: [FileProblem] = []

    /// The cell under `heading` as written ("" when the column or the cell is absent).
    func raw(_ heading: String) -> String {
        guard let position = index[heading], position < fields.count else { return "" }
        return fields[position]
    }

    /// The cell with full-width characters folded and the surrounding space trimmed.
    func folded(_ heading: String) -> String { ExcelText.fold(raw(heading)) }

    mutating func add(_ heading: String, _ japanese: String, _ english: String) {
        let place: FileProblem.Place = index[heading].map { .cell(row: line, column: ExcelText.columnLetter($0), heading: heading) } ?? .row(line)
        problems.append(FileProblem(place, japanese: japanese, english: english))
    }

    /// A date cell: 2026/11/25, 2026-11-25, 2026/1/5 (full-width folded).
    mutating func date(_ heading: String, required: Bool) -> CivilDate? {
        let text = folded(heading)
        if text.isEmpty {
            if required {
                add(heading, "空欄です。2026/11/25 のように日付を書いてください。", "is empty: write a date such as 2026/11/25")
            }
            return nil
        }
        guard let date = ExcelDates.date(text) else {
            add(heading, "「\(text.prefix(40))」は日付として読めません。2026/11/25 のように書いてください。",
                "'\(text.prefix(40))' is not a date: write it as 2026/11/25 or 2026-11-25")
            return nil
        }
        return date
    }

    mutating func checkShortText(_ heading: String, _ text: String, example: String) {
        if text.isEmpty {
            add(heading, "空欄です。\(example) のように書いてください。", "is empty: write it, e.g. \(example)")
        } else if text.unicodeScalars.count > Limits.shortText {
            add(heading, "\(text.unicodeScalars.count) 文字あります。\(Limits.shortText) 文字以下にしてください。",
                "is \(text.unicodeScalars.count) characters; at most \(Limits.shortText) are allowed")
        }
    }
}
