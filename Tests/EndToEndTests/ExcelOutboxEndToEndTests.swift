import Foundation
import Testing
import TsunagiCore
import TsunagiStore
#if canImport(Glibc)
import Glibc
#endif

/// Excel's files and the outbox's door, over the real router and worker executables.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ExcelOutboxEndToEndTests {
    static let peer = AgencyID("peer-support.kochi")
    static let saposute = AgencyID("saposute.kochi")
    static let base = AgencyID("employment-base.chubu")
    static let header = "紹介ID,紹介先,作成日時,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,氏名,連絡先,登録番号,支援コース,備考"

    @Test func aShiftJISFileFromExcelIsDeliveredWithItsJapaneseIntact() async throws {
        // As Excel's "CSV (コンマ区切り)" writes it: CP932, CRLF, slashed dates, full-width values,
        // a line break inside a cell and the empty rows below the table.
        let text = Self.header + "\r\n"
            + "ＳＫ－Ｅ１,employment-base.chubu,2026/12/2 10:00,就労・居場所,２０代,女性,南国市,本人,2026/11/25,担当①,髙橋 花子,088-000-0000,S-33,４０代,\"夕方～夜\r\n電話可\"\r\n"
            + ",,,,,,,,,,,,,,\r\n,,,,,,,,,,,,,,\r\n"
        let data = try #require(text.data(using: .shiftJIS))
        #expect(data.range(of: Data([0xFB, 0xFC])) != nil && data.range(of: Data([0x87, 0x40])) != nil, "髙 and ① as CP932 bytes")
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.saposute)
            try await network.startWorker(Self.base)
            try network.drop(data, named: "ケース一覧.csv", into: Self.saposute)
            try await waitUntil("the referral is in the employment base's inbox") {
                network.files(Self.base, "inbox").contains("SK-E1.json")
            }
            let inbox = try String(contentsOfFile: network.folder(Self.base, "inbox/SK-E1.json"), encoding: .utf8)
            #expect(inbox.contains("髙橋 花子") && inbox.contains("夕方～夜") && inbox.contains("40代"))
            #expect(inbox.contains("2026-12-02T10:00:00+09:00") && inbox.contains("2026-11-25") && inbox.contains("担当①"))
            try await waitUntil("the file moved to sent/") { network.files(Self.saposute, "sent") == ["ケース一覧.csv"] }
            #expect(network.files(Self.saposute, "rejected").isEmpty)
        }
    }

    @Test func aFileWithThreeErrorsListsThreeAndALinkIsRefusedUnread() async throws {
        let text = "\u{FEFF}" + Self.header + "\r\n"
            + "SK-X1,employment-base.chubu,2026/12/2 10:00,就労,二十代,女性,南国市,本人,2026/11/25,担当B,,,,,\r\n"
            + "SK-X2,employment-base.chubu,2026/12/2 10:00,就労,30代,女性,南国市,口頭,2026/11/25,担当B,,,,,\r\n"
            + "SK-X3,employment-base.chubu,2026/12/32,就労,30代,女性,南国市,本人,2026/11/25,担当B,,,,,\r\n"
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.saposute)
            let secret = (network.directory as NSString).appendingPathComponent("secret.txt")
            let secretText = "root:SECRET-FIRST-LINE\n"
            try secretText.write(toFile: secret, atomically: true, encoding: .utf8)
            #expect(symlink(secret, network.folder(Self.saposute, "outbox/shadow.csv")) == 0)
            try network.drop(Data(text.utf8), named: "three.csv", into: Self.saposute)
            try await waitUntil("both are rejected with their reasons") {
                network.files(Self.saposute, "rejected") == ["shadow.csv", "shadow.csv.error", "three.csv", "three.csv.error"]
            }
            let rejected = network.folder(Self.saposute, "rejected")
            let three = try String(contentsOfFile: rejected + "/three.csv.error", encoding: .utf8)
            #expect(three.contains("3件の誤り"))
            for place in ["2行目 E列「年代」", "3行目 H列「同意の根拠」", "4行目 C列「作成日時」",
                          "line 2, column E (年代)", "line 3, column H (同意の根拠)", "line 4, column C (作成日時)"] {
                #expect(three.contains(place), "\(place)")
            }
            #expect(three.components(separatedBy: "行目 ").count - 1 == 3)
            let link = try String(contentsOfFile: rejected + "/shadow.csv.error", encoding: .utf8)
            #expect(link.contains("symbolic link") && !link.contains("SECRET") && !link.contains("root:"))
            #expect(try String(contentsOfFile: secret, encoding: .utf8) == secretText)
            #expect(network.files(Self.saposute, "outbox").isEmpty && network.files(Self.saposute, "sent").isEmpty)
            #expect(try network.ledger(Self.saposute).counts().sent == 0)
            #expect(try StoreReader(path: network.storePath).countsByState().isEmpty)
        }
    }
}
