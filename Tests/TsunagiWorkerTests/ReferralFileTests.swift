import Foundation
import Testing
import TsunagiCore
@testable import TsunagiWorker

@Suite struct ReferralFileTests {
    static let routingHeader = "紹介ID,紹介先,作成日時,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者"
    static let routingRow = "2026-11-27T09:30:00+09:00,就労・居場所,20代,男性,高知市,本人,2026-11-20,相談員A"

    func reader(_ profile: AgencyProfile, agency: String) -> ReferralFileReader {
        ReferralFileReader(agency: AgencyID(rawValue: agency)!, profile: profile, knownDestinations: nil)
    }

    @Test(arguments: [
        (AgencyProfile.peerSupport, "peer-support.kochi", "相談番号,相談経路", "PS-0012,出張ピア相談会"),
        (AgencyProfile.saposute, "saposute.kochi", "登録番号,支援コース", "SK-33,40代"),
        (AgencyProfile.employmentBase, "employment-base.chubu", "利用者番号,利用区分", "EB-7,就労訓練"),
        (AgencyProfile.welfareOffice, "welfare-office.susaki", "ケース番号,相談経路", "W-101,訪問"),
    ])
    func csvRowPerKind(profile: AgencyProfile, agency: String, extraHeadings: String, extraValues: String) throws {
        let csv = "\u{FEFF}\(Self.routingHeader),氏名,連絡先,\(extraHeadings),備考\r\n"
            + "X-1,regional-support-center,\(Self.routingRow),\"高知 花子\",088-000-0000,\(extraValues),\"夕方, 電話可\"\r\n"
        let referrals = try reader(profile, agency: agency).read(Data(csv.utf8), name: "cases.csv")
        #expect(referrals.count == 1)
        let routing = referrals[0].routing
        #expect(routing.from.rawValue == agency)
        #expect(routing.needs == [.employment, .placeToBelong])
        #expect(routing.ageBand == .twenties)
        let personal = try JSONSerialization.jsonObject(with: Data(referrals[0].personal)) as? [String: String]
        #expect(personal?["name"] == "高知 花子")
        #expect(personal?["note"] == "夕方, 電話可")
        #expect(personal?["case_number"] == extraValues.split(separator: ",").first.map(String.init))
    }

    @Test func jsonDocumentKeepsPersonalAsBytes() throws {
        let referrals = try reader(.peerSupport, agency: "peer-support.kochi").read(Fixtures.document(id: "PS-1"), name: "a.json")
        #expect(referrals.first?.id.rawValue == "PS-1")
        let personal = try JSONSerialization.jsonObject(with: Data(referrals[0].personal)) as? [String: String]
        #expect(personal?["contact"] == "090-0000-0000")
    }

    @Test func rejectionsSayWhatAndWhere() throws {
        let peer = reader(.peerSupport, agency: "peer-support.kochi")
        func reason(_ text: String, name: String) -> String {
            do {
                _ = try peer.read(Data(text.utf8), name: name)
                return ""
            } catch {
                return error.message
            }
        }
        #expect(reason("{not json", name: "a.json").contains("not valid JSON"))
        #expect(reason("{not json", name: "a.json").contains("正しいJSONではありません"))
        #expect(reason(#"{"personal": {}}"#, name: "a.json").contains("routing is missing"))
        let noConsent = String(decoding: Fixtures.document(id: "PS-1"), as: UTF8.self)
            .replacingOccurrences(of: #""basis": "person", "#, with: "")
        #expect(reason(noConsent, name: "a.json").contains("routing.consent.basis is missing"))
        let otherSender = String(decoding: Fixtures.document(id: "PS-1", from: "saposute.kochi", to: "welfare-office.aki"), as: UTF8.self)
        #expect(reason(otherSender, name: "a.json").contains("this worker sends for peer-support.kochi"))
        let badAge = "\(Self.routingHeader)\nX-1,saposute.kochi,2026-11-27T09:30:00+09:00,就労,二十代,男性,高知市,本人,2026-11-20,A\n"
        let message = reason(badAge, name: "b.csv")
        #expect(message.contains("line 2, column E (年代)") && message.contains("2行目 E列「年代」"))
        let unknownColumn = "\(Self.routingHeader),好きな色\n"
        #expect(reason(unknownColumn, name: "c.csv").contains("好きな色"))
        let wrongChannel = "\(Self.routingHeader),相談経路\nX-1,saposute.kochi,\(Self.routingRow),訪問\n"
        #expect(reason(wrongChannel, name: "d.csv").contains("column K (相談経路): '訪問' is not one of 来所, 電話, 出張ピア相談会"))
        let registry = ReferralFileReader(agency: AgencyID("peer-support.kochi"), profile: .peerSupport,
                                          knownDestinations: [AgencyID("saposute.kochi")])
        #expect(throws: RejectionReason.self) {
            try registry.read(Fixtures.document(id: "PS-1", to: "saposute.nowhere"), name: "e.json")
        }
    }

    @Test func halfWrittenFilesAreNeverPickedUp() throws {
        let folders = WorkerFolders(root: try Fixtures.temporaryFolder())
        try folders.prepare()
        let folder = folders.outbox
        var scanner = OutboxScanner(folders: folders)
        let path = (folder as NSString).appendingPathComponent("a.json")
        _ = FileManager.default.createFile(atPath: path, contents: Data("{\"rou".utf8))
        _ = FileManager.default.createFile(atPath: (folder as NSString).appendingPathComponent(".b.json"), contents: Data())
        _ = FileManager.default.createFile(atPath: (folder as NSString).appendingPathComponent("c.json.tmp"), contents: Data())
        #expect(scanner.readyFiles().isEmpty)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("ting\": {}".utf8))
        #expect(scanner.readyFiles().isEmpty, "a file that grew since the last scan is still being written")
        try handle.close()
        #expect(scanner.readyFiles() == ["a.json"])
    }

    @Test func csvQuotingAndBlankLines() throws {
        let table = try CSVTable(text: "a,b\n\n\"x\"\"y\",\"line\nbreak\"\n")
        #expect(table.rows.count == 3)
        #expect(table.rows[1].isBlank)
        #expect(table.rows[2].fields == ["x\"y", "line\nbreak"])
        #expect(throws: CSVTable.Malformed.self) { try CSVTable(text: "a,\"b\n") }
    }

    /// The library chosen for its handling of what Excel writes: CRLF rows, a quoted value with a
    /// CRLF line break inside (one row, as Excel numbers it), doubled quotes, and text after a
    /// closing quote refused rather than swallowed.
    @Test func csvLibraryKeepsExcelsRowsApart() throws {
        let table = try CSVTable(text: "a,b,c\r\n\"one\r\ntwo\",\"say \"\"hi\"\"\",x\r\n,,\r\nlast,row,here\r\n")
        #expect(table.rows.map(\.line) == [1, 2, 3, 4])
        #expect(table.rows[1].fields == ["one\r\ntwo", "say \"hi\"", "x"])
        #expect(table.rows[2].isBlank)
        #expect(table.rows[3].fields == ["last", "row", "here"])
        do {
            _ = try CSVTable(text: "a,b\r\nok,fine\r\n\"ab\"x,c\r\n")
            Issue.record("text after a closing quote was taken")
        } catch {
            #expect(error.line == 3)
        }
    }
}
