import Foundation
import Testing
import TsunagiCore
import TsunagiStore

/// The real router and worker executables over a network made by `NetworkInit.create`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WorkerEndToEndTests {
    static let peer = AgencyID("peer-support.kochi")
    static let saposute = AgencyID("saposute.kochi")
    static let base = AgencyID("employment-base.chubu")
    static let welfare = AgencyID("welfare-office.susaki")

    static func document(id: String, from: AgencyID = peer, to: AgencyID = saposute) -> Data {
        Data("""
            {"routing": {"id": "\(id)", "from": "\(from)", "to": "\(to)", "created_at": "2026-11-27T09:30:00+09:00",
                         "needs": ["employment", "place-to-belong"], "age_band": "20s", "sex": "male",
                         "municipality": "高知市",
                         "consent": {"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}},
             "personal": {"name": "山田 太郎", "contact": "090-0000-0000", "case_number": "\(id)-case"}}
            """.utf8)
    }

    @Test func handOffIsAcceptedAndCompleted() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            try await network.startWorker(Self.saposute)
            try network.drop(Self.document(id: "PS-A1"), named: "PS-A1.json", into: Self.peer)
            try await waitUntil("the referral is in the Saposute inbox") {
                network.files(Self.saposute, "inbox").contains("PS-A1.json")
            }
            let inboxText = try String(contentsOfFile: network.folder(Self.saposute, "inbox/PS-A1.json"), encoding: .utf8)
            #expect(inboxText.contains("山田 太郎") && inboxText.contains("\"routing\""))
            try await waitUntil("the outbox file moved to sent/") { network.files(Self.peer, "sent") == ["PS-A1.json"] }
            try await waitUntil("the sender's ledger shows it delivered") { try network.sentState(Self.peer, "PS-A1") == .delivered }

            let listing = try await network.command(Self.saposute, ["inbox"])
            #expect(listing.status == 0 && listing.output.contains("PS-A1"))
            let accepted = try await network.command(Self.saposute, ["accept", "PS-A1"])
            #expect(accepted.status == 0, "\(accepted.output)")
            try await waitUntil("the router's store shows it accepted") { try network.routerState("PS-A1") == .accepted }
            try await waitUntil("the sender's ledger shows it accepted") { try network.sentState(Self.peer, "PS-A1") == .accepted }

            let wrongOutcome = try await network.command(Self.saposute, ["complete", "PS-A1", "--outcome", "農業"])
            #expect(wrongOutcome.status != 0 && wrongOutcome.output.contains("就職"))
            let completed = try await network.command(Self.saposute, ["complete", "PS-A1", "--outcome", "就職"])
            #expect(completed.status == 0, "\(completed.output)")
            try await waitUntil("the router's store shows it completed") { try network.routerState("PS-A1") == .completed }
            try await waitUntil("the sender's ledger shows it completed") { try network.sentState(Self.peer, "PS-A1") == .completed }
            #expect(try network.ledger(Self.peer).sent().first?.detail == "就職")
            #expect(try network.receivedState(Self.saposute, "PS-A1") == .completed)

            let sent = try await network.command(Self.peer, ["sent", "--lang", "en"])
            #expect(sent.output.contains("PS-A1") && sent.output.contains("completed"))
            let report = try await network.command(Self.peer, ["ledger", "report", "--date", "2026-11-27", "--json", "--send"])
            #expect(report.status == 0 && report.output.contains("saposute.kochi"))
            // Logs carry ids, agencies and states, never the person's details.
            #expect(!network.logs().contains("山田") && !network.logs().contains("090-0000-0000"))
        }
    }

    @Test func handOffIsDeclinedOrWithdrawn() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            try await network.startWorker(Self.saposute)
            try network.drop(Self.document(id: "PS-D1"), named: "d1.json", into: Self.peer)
            let source = (network.directory as NSString).appendingPathComponent("w1.json")
            try Self.document(id: "PS-W1").write(to: URL(fileURLWithPath: source))
            let submitted = try await network.command(Self.peer, ["submit", source])
            #expect(submitted.status == 0, "\(submitted.output)")
            // A sheet the worker would refuse outright (Excel's Shift_JIS, a heading of another
            // kind) is refused by submit in the worker's sentences and never put in the outbox.
            let wrongSheet = (network.directory as NSString).appendingPathComponent("wrong.csv")
            try #require("紹介ID,宛先\r\nPS-X1,saposute.kochi\r\n".data(using: .shiftJIS)).write(to: URL(fileURLWithPath: wrongSheet))
            let refused = try await network.command(Self.peer, ["submit", wrongSheet, "--lang", "ja"])
            #expect(refused.status == 1, "\(refused.output)")
            #expect(refused.output.contains("wrong.csv は outbox に置いていません") && refused.output.contains("1行目 B列「宛先」"),
                    "\(refused.output)")
            let outbox = (network.dataDirectory(Self.peer) as NSString).appendingPathComponent("outbox")
            #expect(!FileManager.default.fileExists(atPath: (outbox as NSString).appendingPathComponent("wrong.csv")))
            try await waitUntil("both referrals are delivered") {
                try network.receivedState(Self.saposute, "PS-D1") != nil && network.receivedState(Self.saposute, "PS-W1") != nil
            }
            let noReason = try await network.command(Self.saposute, ["decline", "PS-D1", "--reason", " "])
            #expect(noReason.status != 0)
            let declined = try await network.command(Self.saposute, ["decline", "PS-D1", "--reason", "対象年齢外"])
            #expect(declined.status == 0, "\(declined.output)")
            let withdrawn = try await network.command(Self.peer, ["withdraw", "PS-W1", "--reason", "本人の希望"])
            #expect(withdrawn.status == 0, "\(withdrawn.output)")
            try await waitUntil("the router shows the decline and the withdrawal") {
                try network.routerState("PS-D1") == .declined && network.routerState("PS-W1") == .withdrawn
            }
            try await waitUntil("the sender's ledger shows the decline") { try network.sentState(Self.peer, "PS-D1") == .declined }
            try await waitUntil("the destination's ledger shows the withdrawal") {
                try network.receivedState(Self.saposute, "PS-W1") == .withdrawn
            }
            #expect(try network.sentState(Self.peer, "PS-W1") == .withdrawn)
            let unknown = try await network.command(Self.saposute, ["accept", "NO-SUCH-ID"])
            #expect(unknown.status != 0 && unknown.output.contains("NO-SUCH-ID"))
        }
    }

    @Test func aCSVRowOfEachKindIsTakenIn() async throws {
        let header = "紹介ID,紹介先,作成日時,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,氏名,連絡先"
        let common = "2026-11-27T10:00:00+09:00,就労,30代,女性,須崎市,本人,2026-11-25,担当B,高知 花子,088-000-0000"
        let rows: [(from: AgencyID, to: AgencyID, extra: (String, String))] = [
            (Self.peer, Self.saposute, ("相談番号,相談経路", "P-1,出張ピア相談会")),
            (Self.saposute, Self.base, ("登録番号,支援コース", "S-1,40代")),
            (Self.base, Self.welfare, ("利用者番号,利用区分", "E-1,就労体験")),
            (Self.welfare, Self.peer, ("ケース番号,相談経路", "W-1,訪問")),
        ]
        try await withNetwork { network in
            try await network.startRouter()
            for agency in [Self.peer, Self.saposute, Self.base, Self.welfare] { try await network.startWorker(agency) }
            for row in rows {
                let csv = "\u{FEFF}\(header),\(row.extra.0)\r\nCSV-\(row.from.kind),\(row.to),\(common),\(row.extra.1)\r\n"
                try network.drop(Data(csv.utf8), named: "cases.csv", into: row.from)
            }
            for row in rows {
                try await waitUntil("the \(row.from.kind) CSV row reaches \(row.to)") {
                    try network.receivedState(row.to, "CSV-\(row.from.kind)") != nil
                        && network.files(row.to, "inbox").contains("CSV-\(row.from.kind).json")
                }
                #expect(network.files(row.from, "sent") == ["cases.csv"])
            }
            let inbox = try String(contentsOfFile: network.folder(Self.welfare, "inbox/CSV-employment-base.json"), encoding: .utf8)
            #expect(inbox.contains("就労体験") && inbox.contains("高知 花子"))
        }
    }

    @Test func aMalformedFileIsRejectedWithAReasonAndNothingIsSent() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            try network.drop(Data("{\"routing\": {\"id\": \"X\"".utf8), named: "broken.json", into: Self.peer)
            let noConsent = String(decoding: Self.document(id: "PS-M1"), as: UTF8.self)
                .replacingOccurrences(of: "\"obtained_on\": \"2026-11-20\", ", with: "")
            try network.drop(Data(noConsent.utf8), named: "no-consent.json", into: Self.peer)
            let csv = "紹介ID,紹介先,作成日時,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者\nPS-M2,saposute.kochi,2026-11-27T10:00:00+09:00,就労,20代,男性,高知市,口頭,2026-11-20,A\n"
            try network.drop(Data(csv.utf8), named: "bad-row.csv", into: Self.peer)
            try await waitUntil("all three files are rejected") { network.files(Self.peer, "rejected").count == 6 }
            let rejected = network.folder(Self.peer, "rejected")
            let reasons = try ["broken.json", "no-consent.json", "bad-row.csv"].map {
                try String(contentsOfFile: (rejected as NSString).appendingPathComponent($0 + ".error"), encoding: .utf8)
            }
            #expect(reasons[0].contains("not valid JSON"))
            #expect(reasons[1].contains("routing.consent.obtained_on is missing"))
            #expect(reasons[2].contains("line 2") && reasons[2].contains("同意の根拠"))
            #expect(network.files(Self.peer, "sent").isEmpty && network.files(Self.peer, "outbox").isEmpty)
            #expect(try network.ledger(Self.peer).counts().sent == 0)
            #expect(try StoreReader(path: network.storePath).countsByState().isEmpty)
        }
    }

    @Test func whatWaitedArrivesAfterAnOutage() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            try await network.startWorker(Self.peer)
            // The destination is offline while referrals are sent to it.
            let ids = ["PS-O1", "PS-O2", "PS-O3"]
            for id in ids { try network.drop(Self.document(id: id), named: "\(id).json", into: Self.peer) }
            try await waitUntil("the router holds all three") { try ids.allSatisfy { try network.routerState($0) == .submitted } }
            try await network.startWorker(Self.saposute)
            try await waitUntil("the returning worker gets everything that waited") {
                network.files(Self.saposute, "inbox") == ids.map { "\($0).json" }
            }
            // Answers given while the router is down are kept and arrive when it returns.
            await network.stopRouter()
            for id in ids {
                let result = try await network.command(Self.saposute, ["accept", id])
                #expect(result.status == 0, "\(result.output)")
            }
            #expect(try network.ledger(Self.saposute).queuedAnswers().count == 3)
            try await network.startRouter()
            try await waitUntil("the router applied the answers given while it was down") {
                try ids.allSatisfy { try network.routerState($0) == .accepted }
            }
            try await waitUntil("the sender heard of them") { try ids.allSatisfy { try network.sentState(Self.peer, $0) == .accepted } }
            #expect(try network.ledger(Self.saposute).queuedAnswers().isEmpty)
        }
    }

    @Test func killingWorkersMidStreamLosesAndDuplicatesNothing() async throws {
        try await withNetwork { network in
            try await network.startRouter()
            let sender = try await network.startWorker(Self.peer)
            let receiver = try await network.startWorker(Self.saposute)
            let ids = (1...30).map { String(format: "PS-K%02d", $0) }
            for id in ids { try network.drop(Self.document(id: id), named: "\(id).json", into: Self.peer) }
            try await waitUntil("some files are taken") { network.files(Self.peer, "sent").count >= 3 }
            await sender.killHard()
            try await waitUntil("some referrals arrive") { network.files(Self.saposute, "inbox").count >= 1 }
            await receiver.killHard()
            try await network.startWorker(Self.peer)
            try await network.startWorker(Self.saposute)
            try await waitUntil("every referral is in the destination's ledger", timeout: .seconds(40)) {
                try network.ledger(Self.saposute).counts().received == ids.count
            }
            try await waitUntil("every referral is acknowledged in the sender's ledger") {
                try network.ledger(Self.peer).sent().allSatisfy { $0.acknowledged } && network.ledger(Self.peer).counts().sent == ids.count
            }
            #expect(network.files(Self.peer, "outbox").isEmpty)
            #expect(network.files(Self.peer, "sent") == ids.map { "\($0).json" })
            #expect(network.files(Self.peer, "rejected").isEmpty)
            // The ledger commits first; each inbox file follows it.
            try await waitUntil("every referral is in the destination's inbox") {
                network.files(Self.saposute, "inbox") == ids.map { "\($0).json" }
            }
            #expect(try network.ledger(Self.peer).sent().map(\.referral.id.rawValue).sorted() == ids)
            #expect(try network.ledger(Self.saposute).received().map(\.referral.id.rawValue).sorted() == ids)
            #expect(try StoreReader(path: network.storePath).countsByState().values.reduce(0, +) == ids.count)
        }
    }
}
