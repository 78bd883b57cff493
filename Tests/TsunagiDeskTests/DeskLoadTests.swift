import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TsunagiCore
import TsunagiStore

/// The desk's pages on a large ledger, over real HTTP. With TSUNAGI_DESK_BENCH=1 it fills 10,000
/// referrals and prints each page's median and 95th percentile (docs/BENCHMARKS.md); otherwise
/// 1,000 and a few requests, to show the pages stay correct at size. No timing is asserted.
@Suite("Desk on a large ledger")
struct DeskLoadTests {
    @Test func pagesAnswerWithManyReferralsInTheLedger() async throws {
        let full = ProcessInfo.processInfo.environment["TSUNAGI_DESK_BENCH"] == "1"
        let count = full ? 10_000 : 1_000
        let requests = full ? 100 : 5
        let fixture = try DeskFixture()
        var referrals: [Referral] = []
        for index in 0..<count {
            let day = 1 + index % 28
            let routing = """
                {"id": "LOAD-\(index)", "from": "peer-support.kochi", "to": "saposute.kochi",
                 "created_at": "2026-11-\(String(format: "%02d", day))T09:30:00+09:00", "needs": ["employment"], "age_band": "20s",
                 "sex": "male", "municipality": "高知市",
                 "consent": {"basis": "person", "obtained_on": "2026-11-01", "recorded_by": "相談員A"}}
                """
            referrals.append(Referral(routing: try Routing.decode(json: Array(routing.utf8)),
                                      personal: Array(#"{"name": "利用者 \#(index)", "contact": "090-0000-0000"}"#.utf8)))
        }
        _ = try fixture.ledger.recordReceived(referrals)
        for index in 0..<min(count / 10, 1000) { try fixture.send("SENT-\(index)") }

        try await fixture.application().test(.live) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            var report: [String] = []
            for path in ["/inbox", "/inbox/rows", "/referrals/LOAD-\(count / 2)", "/referrals/LOAD-1", "/sent", "/new", "/rejected"] {
                var milliseconds: [Double] = []
                for _ in 0..<requests {
                    let start = ContinuousClock.now
                    let response = try await desk.get(path)
                    let elapsed = ContinuousClock.now - start
                    #expect(response.status == .ok, "\(path)")
                    milliseconds.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                milliseconds.sort()
                let p50 = milliseconds[milliseconds.count / 2]
                let p95 = milliseconds[min(milliseconds.count - 1, Int((Double(milliseconds.count) * 0.95).rounded(.up)) - 1)]
                report.append(String(format: "%-22@ p50 %7.1f ms  p95 %7.1f ms  (%d requests)", path as NSString, p50, p95, requests))
            }
            // The first request after the ledger changed computes the list's order again.
            var afterChange: [Double] = []
            for round in 0..<requests {
                try fixture.routerSays("LOAD-\(round)", .withdrawn, actor: "peer-support.kochi", detail: "本人の希望",
                                       sequence: Int64(round + 1))
                let start = ContinuousClock.now
                #expect(try await desk.get("/inbox").status == .ok)
                let elapsed = ContinuousClock.now - start
                afterChange.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            }
            afterChange.sort()
            report.append(String(format: "%-22@ p50 %7.1f ms  p95 %7.1f ms  (%d requests)", "/inbox after a change" as NSString,
                                 afterChange[afterChange.count / 2],
                                 afterChange[min(afterChange.count - 1, Int((Double(afterChange.count) * 0.95).rounded(.up)) - 1)], requests))
            let inbox = String(buffer: try await desk.get("/inbox").body)
            #expect(inbox.contains("返事待ち \(count - requests) 件"))
            #expect(inbox.contains("1 / \((count - requests + 99) / 100) ページ"))
            print("desk pages with \(count) received referrals in the ledger:\n" + report.joined(separator: "\n"))
        }
    }
}
