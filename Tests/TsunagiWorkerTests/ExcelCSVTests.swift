import Foundation
import Testing
import TsunagiCore
@testable import TsunagiWorker

/// The CSV files Excel in Japanese Windows writes, as bytes, and the errors staff read.
@Suite struct ExcelCSVTests {
    static let header = "紹介ID,紹介先,作成日時,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,氏名,連絡先,登録番号,支援コース,備考"

    func saposute(destinations: Set<AgencyID>? = nil) -> ReferralFileReader {
        ReferralFileReader(agency: AgencyID("saposute.kochi"), profile: .saposute, knownDestinations: destinations)
    }

    func problems(_ data: Data, name: String = "cases.csv", reader: ReferralFileReader? = nil) -> [FileProblem] {
        do {
            _ = try (reader ?? saposute()).read(data, name: name, modified: Date())
            return []
        } catch {
            return error.problems
        }
    }

    /// A sheet saved with Excel's "CSV (コンマ区切り)" in Japanese Windows: CP932, CRLF, no BOM,
    /// slashed dates, values typed full-width, a line break inside a cell, and the empty rows
    /// Excel writes below a table it once used.
    static func excelCP932() throws -> Data {
        let text = header + "\r\n"
            + "ＳＫ－００３３,employment-base.chubu,2026/12/2 10:00,就労・居場所,２０代,女性,南国市,本人,2026/11/25,担当①,髙橋 花子,０８８－０００－００００,S-33,４０代,\"夕方～夜, 電話可\r\n母が出ることあり\"\r\n"
            + ",,,,,,,,,,,,,,\r\n"
            + ",,,,,,,,,,,,,,\r\n"
        return try #require(text.data(using: .shiftJIS))
    }

    @Test func excelsShiftJISFileIsTakenAsWritten() throws {
        let data = try Self.excelCP932()
        let bytes = [UInt8](data)
        // The bytes Excel writes for these characters in CP932, so the test reads what Excel wrote.
        #expect(Array(bytes.prefix(6)) == [0x8F, 0xD0, 0x89, 0xEE, 0x49, 0x44], "紹介ID")
        for (character, encoded) in [("①", [0x87, 0x40]), ("～", [0x81, 0x60]), ("髙", [0xFB, 0xFC]), ("２０", [0x82, 0x51, 0x82, 0x4F])] as [(String, [UInt8])] {
            #expect(data.range(of: Data(encoded)) != nil, "\(character) as CP932")
        }
        #expect(data.range(of: Data([0x0D, 0x0A])) != nil && !bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(String(validating: bytes, as: UTF8.self) == nil, "the file is not UTF-8")
        #expect(try ExcelText.decode(data).encoding == .cp932)

        let referrals = try saposute().read(data, name: "cases.csv", modified: Date())
        #expect(referrals.count == 1)
        let routing = try #require(referrals.first?.routing)
        #expect(routing.id.rawValue == "SK-0033")
        #expect(routing.to == AgencyID("employment-base.chubu"))
        #expect(routing.createdAt == "2026-12-02T10:00:00+09:00")
        #expect(routing.needs == [.employment, .placeToBelong])
        #expect(routing.ageBand == .twenties)
        #expect(routing.sex == .female)
        #expect(routing.municipality == "南国市")
        #expect(routing.consent == Consent(basis: .person, obtainedOn: CivilDate(year: 2026, month: 11, day: 25)!, recordedBy: "担当①"))
        let personal = try #require(JSONSerialization.jsonObject(with: Data(referrals[0].personal)) as? [String: String])
        #expect(personal["name"] == "髙橋 花子")
        #expect(personal["contact"] == "０８８－０００－００００", "personal values travel as typed")
        #expect(personal["track"] == "40代", "a value from the kind's list is folded to the list's word")
        #expect(personal["note"] == "夕方～夜, 電話可\r\n母が出ることあり")
    }

    @Test func excelsUTF8FileWithBOMAndNoCreationTime() throws {
        let text = "\u{FEFF}紹介ID,紹介先,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,応答期限\r\n"
            + "SK-0034,peer-support.kochi,居場所,不明,不明,高知市,保護者,2026-11-25,担当B,2026/12/9\r\n"
            + "\r\n"
        let modified = try #require(ISO8601DateFormatter().date(from: "2026-12-02T01:30:00Z"))
        let referrals = try saposute().read(Data(text.utf8), name: "cases.CSV", modified: modified)
        let routing = try #require(referrals.first?.routing)
        #expect(referrals.count == 1)
        #expect(routing.createdAt == "2026-12-02T10:30:00+09:00", "without 作成日時 the file's time, in Japan time")
        #expect(routing.dueDate == CivilDate(year: 2026, month: 12, day: 9))
        #expect(routing.consent.basis == .guardian)
    }

    @Test(arguments: [
        ("2026-12-02 10:00", "2026-12-02T10:00:00+09:00"),
        ("2026/12/02 10:00", "2026-12-02T10:00:00+09:00"),
        ("2026/1/5 9:05", "2026-01-05T09:05:00+09:00"),
        ("2026/12/2", "2026-12-02T00:00:00+09:00"),
        ("2026-12-02 10:00:30", "2026-12-02T10:00:30+09:00"),
        ("2026-12-02T10:00:00+09:00", "2026-12-02T10:00:00+09:00"),
        ("2026-12-02T01:00:00Z", "2026-12-02T01:00:00Z"),
        ("２０２６／１２／０２　１０：００", "2026-12-02T10:00:00+09:00"),
    ])
    func creationTimesAsExcelWritesThem(written: String, expected: String) {
        #expect(ExcelDates.timestamp(ExcelText.fold(written)) == expected)
    }

    @Test func whatIsNotADateIsNotGuessed() {
        for text in ["2026/13/1", "2026/2/30", "2026/11-25", "26/11/25", "2026/11/25 25:00", "2026/11/25 10", "11/25", "令和8年"] {
            #expect(ExcelDates.timestamp(text) == nil, "\(text)")
            #expect(ExcelDates.date(text) == nil, "\(text)")
        }
        #expect(ExcelDates.date("2026/1/5") == CivilDate(year: 2026, month: 1, day: 5))
        #expect(ExcelDates.date("2026-11-25") == CivilDate(year: 2026, month: 11, day: 25))
    }

    @Test func aFileWithThreeErrorsListsExactlyThree() throws {
        let text = Self.header + "\r\n"
            + "SK-1,employment-base.chubu,2026/12/2 10:00,就労,二十代,女性,南国市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-2,employment-base.chubu,2026/12/2 10:00,就労,30代,女性,南国市,本人,11月25日,担当B,,,,,\r\n"
            + "SK-3,employment-base.chubu,2026/12/2 10:00,就労,30代,女性,南国市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-4,employment-base.chubu,2026/12/2 10:00,就労,30代,男子,南国市,本人,2026/11/25,担当B,,,,,\r\n"
        let found = problems(try #require(text.data(using: .shiftJIS)))
        #expect(found.map(\.place) == [
            .cell(row: 2, column: "E", heading: "年代"),
            .cell(row: 3, column: "I", heading: "同意取得日"),
            .cell(row: 5, column: "F", heading: "性別"),
        ])
        let reason = RejectionReason(found)
        let errorFile = reason.errorFileText(for: "cases.csv")
        #expect(errorFile.contains("3件の誤り") && errorFile.contains("has 3 errors"))
        #expect(errorFile.contains("2行目 E列「年代」: 「二十代」は年代として読めません。10代, 20代"))
        #expect(errorFile.contains("line 3, column I (同意取得日): '11月25日' is not a date: write it as 2026/11/25"))
        #expect(errorFile.contains("5行目 F列「性別」") && errorFile.contains("女性, 男性, その他, 不明"))
        // Japanese first, then English, for each error.
        let japanese = try #require(errorFile.range(of: "5行目 F列"))
        let english = try #require(errorFile.range(of: "line 5, column F"))
        #expect(japanese.lowerBound < english.lowerBound)
    }

    @Test func headingsAndRowsThatCannotBeReadAreNamed() throws {
        let missing = "紹介ID,紹介先,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,好きな色\r\nSK-1,a.b,就労,20代,男性,高知市,本人,2026/11/25,青\r\n"
        let found = problems(Data(missing.utf8))
        #expect(found.contains { $0.place == .cell(row: 1, column: "I", heading: "好きな色") })
        #expect(found.contains { $0.place == .row(1) && $0.japanese.contains("「同意記録者」の列がありません") })

        let registry = saposute(destinations: [AgencyID("employment-base.chubu")])
        let row = Self.header + "\r\nSK-1,employment-base.chuubu,2026/12/2 10:00,就労・仕事,20代,男性,高知市,本人,2026/12/3,担当B,,,,一般コース,\r\n"
        let rowProblems = problems(Data(row.utf8), reader: registry)
        #expect(rowProblems.map(\.place) == [
            .cell(row: 2, column: "B", heading: "紹介先"),
            .cell(row: 2, column: "D", heading: "支援ニーズ"),
            .cell(row: 2, column: "I", heading: "同意取得日"),
            .cell(row: 2, column: "N", heading: "支援コース"),
        ])
        #expect(rowProblems[0].japanese.contains("登録簿にない機関"))
        #expect(rowProblems[2].english.contains("consent must come first"))

        let twice = Self.header + "\r\nSK-1,employment-base.chubu,,就労,20代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\nSK-1,employment-base.chubu,,就労,20代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\n"
        let duplicate = problems(Data(twice.utf8))
        #expect(duplicate.map(\.place) == [.cell(row: 3, column: "A", heading: "紹介ID")])
        #expect(duplicate.first?.japanese.contains("2行目にもあります") == true)

        let unclosed = "紹介ID,紹介先\r\nSK-1,\"employment-base.chubu\r\n"
        #expect(problems(Data(unclosed.utf8)).first?.place == .row(2))
    }

    @Test func aFileThatIsNeitherUTF8NorCP932IsRefusedWithASentence() throws {
        // 0x85 0x40 is unassigned in CP932; 0xFF is not a lead byte.
        let data = Data(Array("紹介ID,紹介先\r\n".data(using: .shiftJIS)!) + [0x85, 0x40, 0xFF, 0x0D, 0x0A])
        let found = problems(data)
        #expect(found.count == 1)
        #expect(found.first?.japanese.contains("UTF-8 でも Shift_JIS (CP932) でもありません") == true)
        let utf16 = problems(Data([0xFF, 0xFE, 0x34, 0x7D]))
        #expect(utf16.first?.english.contains("UTF-16") == true)
        let brokenBOM = problems(Data([0xEF, 0xBB, 0xBF, 0x41, 0x82, 0xA0]))
        #expect(brokenBOM.first?.english.contains("byte 4: 0x82") == true)
    }

    @Test func aJSONDocumentListsEveryWrongField() throws {
        let text = """
            {"routing": {"id": "PS-1", "from": "saposute.kochi", "to": "employment-base.chubu",
                         "created_at": "2026-11-27 09:30", "needs": ["employment", "work"], "age_band": "twenties",
                         "sex": "male", "municipality": "高知市",
                         "consent": {"basis": "person", "recorded_by": "相談員A"}},
             "personal": {"name": "山田 太郎"}}
            """
        let found = problems(Data(text.utf8), name: "a.json")
        #expect(found.map(\.place) == [
            .field("routing.created_at"), .field("routing.needs"), .field("routing.age_band"), .field("routing.consent.obtained_on"),
        ])
        #expect(found[3].englishLine == "routing.consent.obtained_on is missing: write it, e.g. \"2026-11-20\"")
        #expect(found[2].japaneseLine.contains("使える値: 10s, 20s"))
    }

    @Test func columnLettersAsExcelShowsThem() {
        #expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(ExcelText.columnLetter) == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"])
    }

    @Test func aRepeatedIdIsListedEvenWhenItsFirstRowHasAnotherError() throws {
        let text = Self.header + "\r\n"
            + "SK-1,employment-base.chubu,,就労,二十代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-1,employment-base.chubu,,就労,20代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-1,employment-base.chubu,,就労,20代,男性,高知市,口頭,2026/11/25,担当B,,,,,\r\n"
        let found = problems(Data(text.utf8))
        #expect(found.map(\.place) == [
            .cell(row: 2, column: "E", heading: "年代"),
            .cell(row: 3, column: "A", heading: "紹介ID"),
            .cell(row: 4, column: "H", heading: "同意の根拠"),
            .cell(row: 4, column: "A", heading: "紹介ID"),
        ])
        #expect(found[1].japanese.contains("2行目にもあります") && found[3].japanese.contains("2行目にもあります"))
    }

    @Test func aRowWithoutCreationTimeTakesTheTimeItsIdWasSentWith() throws {
        let text = Self.header + "\r\n"
            + "SK-1,employment-base.chubu,,就労,20代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-2,employment-base.chubu,,就労,20代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-3,employment-base.chubu,2026/12/3 9:00,就労,20代,男性,高知市,本人,2026/11/25,担当B,,,,,\r\n"
        let saved = try #require(ISO8601DateFormatter().date(from: "2026-12-04T01:00:00Z"))
        let earlier = ["SK-1": "2026-11-26T09:00:00+09:00", "SK-3": "2026-11-26T09:00:00+09:00"]
        let read = try saposute().readReferrals(Data(text.utf8), name: "cases.csv", modified: saved) { earlier[$0.rawValue] }
        #expect(read.map(\.referral.routing.createdAt) == [
            "2026-11-26T09:00:00+09:00",
            "2026-12-04T10:00:00+09:00",
            "2026-12-03T09:00:00+09:00",
        ], "only an empty cell takes the earlier time; a written one is the row's own")
        #expect(read.map(\.place) == [.row(2), .row(3), .row(4)])

        // The checks against the creation day use the time it was sent with: a due date that had
        // not passed when the row was first sent is not refused when the sheet is saved later.
        let due = "紹介ID,紹介先,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,応答期限\r\n"
            + "SK-1,employment-base.chubu,就労,20代,男性,高知市,本人,2026/11/25,担当B,2026/12/1\r\n"
        #expect(try saposute().readReferrals(Data(due.utf8), name: "cases.csv", modified: saved) { earlier[$0.rawValue] }.count == 1)
        #expect(problems(Data(due.utf8)).map(\.place) == [.cell(row: 2, column: "J", heading: "応答期限")])
    }

    @Test func aPartlySentFileSaysWhatBecameOfEachRow() {
        let conflict = FileProblem(.row(2), japanese: "紹介ID「SK-1」は別の内容ですでに送られているため、送っていません。", english: "referral id SK-1 was already sent with other content")
        let repeated = FileProblem(.row(3), japanese: "紹介ID「SK-2」は以前に同じ内容で送っています。", english: "referral SK-2 was sent before")
        let sent = FileProblem(.row(4), japanese: "紹介ID「SK-3」は台帳に記録し、送信に回しました。", english: "referral SK-3 was recorded")
        let partly = RejectionReason([conflict], nothingSent: false, outcomes: [repeated, sent]).errorFileText(for: "a.csv")
        #expect(partly.hasPrefix("「a.csv」の紹介のうち1件は送れませんでした（下記）。ほかの紹介は送りました。"))
        #expect(partly.contains("1 referral in a.csv was not sent (see below); its other referrals were sent."))
        let lines = partly.split(separator: "\n").map(String.init)
        let order = ["2行目: 紹介ID「SK-1」", "3行目: 紹介ID「SK-2」", "4行目: 紹介ID「SK-3」"].map { prefix in lines.firstIndex { $0.hasPrefix(prefix) } }
        #expect(order.allSatisfy { $0 != nil } && order == order.sorted { ($0 ?? 0) < ($1 ?? 0) }, "\(partly)")

        let onlyRepeats = RejectionReason([conflict], nothingSent: true, outcomes: [repeated]).errorFileText(for: "a.csv")
        #expect(onlyRepeats.contains("このファイルから新しく送ったものはありません。") && onlyRepeats.contains("nothing new in it was sent"))
        #expect(!onlyRepeats.contains("ほかの紹介は送りました"))
    }

    @Test func aChangedReferralNamesTheColumnsThatDiffer() throws {
        let earlier = try Fixtures.referral(id: "PS-1", personal: #"{"name":"山田 太郎","channel":"来所"}"#)
        let later = try Fixtures.referral(id: "PS-1", to: "employment-base.chubu", createdAt: "2026-11-28T09:30:00+09:00",
                                          personal: #"{"name":"山田 太郎","channel":"電話"}"#)
        let changed = FileOutcome.changedColumns(earlier, later, profile: .peerSupport)
        #expect(changed.map(\.heading) == ["紹介先", "作成日時", "相談経路"])
        #expect(FileOutcome.changedColumns(earlier, earlier, profile: .peerSupport).isEmpty)
    }
}
