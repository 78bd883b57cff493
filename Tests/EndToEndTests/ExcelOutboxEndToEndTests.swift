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

    /// Drops `text` as a sheet Excel saved at `saved`: the file's modification time is the
    /// creation time of rows without 作成日時.
    func dropSaved(_ text: String, at saved: Date, named name: String, into network: TestNetwork) throws {
        let outbox = network.folder(Self.saposute, "outbox")
        let hidden = (outbox as NSString).appendingPathComponent(".\(name).tmp")
        try Data(text.utf8).write(to: URL(fileURLWithPath: hidden))
        try FileManager.default.setAttributes([.modificationDate: saved], ofItemAtPath: hidden)
        try FileManager.default.moveItem(atPath: hidden, toPath: (outbox as NSString).appendingPathComponent(name))
    }

    @Test func aSheetSavedAgainWithRowsAddedSendsOnlyTheNewRowsAndAChangedRowIsToldApart() async throws {
        let header = "紹介ID,紹介先,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,氏名\r\n"
        func row(_ id: String, age: String = "20代") -> String {
            "\(id),employment-base.chubu,就労,\(age),女性,南国市,本人,2026/11/25,担当B,高知 花子\r\n"
        }
        let name = "紹介一覧.csv"
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.saposute)
            try await network.startWorker(Self.base)
            let now = Date()
            try dropSaved(header + row("SK-R1"), at: now.addingTimeInterval(-7200), named: name, into: network)
            try await waitUntil("SK-R1 is delivered and the file is in sent/") {
                network.files(Self.base, "inbox").contains("SK-R1.json") && network.files(Self.saposute, "sent").count == 1
            }
            let ledger = try network.ledger(Self.saposute)
            let firstCreated = try #require(try ledger.sentReferral(ReferralID(rawValue: "SK-R1")!)).routing.createdAt

            // The same sheet saved an hour later with a row added: SK-R1 is the same referral again.
            try dropSaved(header + row("SK-R1") + row("SK-R2"), at: now.addingTimeInterval(-3600), named: name, into: network)
            try await waitUntil("SK-R2 is delivered and the second file is in sent/") {
                network.files(Self.base, "inbox").contains("SK-R2.json") && network.files(Self.saposute, "sent").count == 2
            }
            #expect(network.files(Self.saposute, "rejected").isEmpty)
            #expect(try ledger.sentReferral(ReferralID(rawValue: "SK-R1")!)?.routing.createdAt == firstCreated)
            #expect(try ledger.sentReferral(ReferralID(rawValue: "SK-R2")!)?.routing.createdAt != firstCreated, "a new row takes the file's time")
            #expect(try ledger.counts().sent == 2)
            #expect(try StoreReader(path: network.storePath).countsByState().values.reduce(0, +) == 2)

            // Saved once more with SK-R1 changed and SK-R3 added: each row's .error line says what became of it.
            try dropSaved(header + row("SK-R1", age: "30代") + row("SK-R2") + row("SK-R3"), at: now.addingTimeInterval(-1800),
                          named: name, into: network)
            try await waitUntil("SK-R3 is delivered and the file is rejected for SK-R1") {
                network.files(Self.base, "inbox").contains("SK-R3.json")
                    && network.files(Self.saposute, "rejected") == [name, name + ".error"]
            }
            let error = try String(contentsOfFile: network.folder(Self.saposute, "rejected/\(name).error"), encoding: .utf8)
            #expect(error.hasPrefix("「\(name)」の紹介のうち1件は送れませんでした"), "\(error)")
            #expect(error.contains("2行目: 紹介ID「SK-R1」は別の内容ですでに送られているため、送っていません（前に送った内容と違う列: 年代）。"), "\(error)")
            #expect(error.contains("3行目: 紹介ID「SK-R2」は以前に同じ内容で送っています"), "\(error)")
            #expect(error.contains("4行目: 紹介ID「SK-R3」は台帳に記録し、送信に回しました"), "\(error)")
            #expect(error.contains("line 2: referral id SK-R1 was already sent with other content (differing from what was sent: 年代 (age_band))"), "\(error)")
            #expect(try ledger.sentReferral(ReferralID(rawValue: "SK-R1")!)?.routing.ageBand == .twenties, "the changed row changed nothing")
            #expect(try ledger.counts().sent == 3)
            try await waitUntil("the router holds the three referrals and no more") {
                try StoreReader(path: network.storePath).countsByState().values.reduce(0, +) == 3
            }
        }
    }
}
