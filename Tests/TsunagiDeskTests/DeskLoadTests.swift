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
        let referrals = try (0..<count).map { try Self.referral("LOAD-\($0)", day: 1 + $0 % 28) }
        for index in 0..<min(count / 10, 1000) { try fixture.send("SENT-\(index)") }

        try await fixture.application().test(.live) { client in
            var desk = DeskClient(client)
            _ = try await desk.logIn()
            var report: [String] = []
            // The referrals arrive while the desk runs: its next inbox request gives them their due days.
            _ = try fixture.ledger.recordReceived(referrals)
            let firstStart = ContinuousClock.now
            #expect(try await desk.get("/inbox").status == .ok)
            report.append(String(format: "%-22@ %7.1f ms", "/inbox first, after \(count) arrived" as NSString,
                                 Self.milliseconds(ContinuousClock.now - firstStart)))
            for path in ["/inbox", "/inbox/rows", "/inbox?page=\(count / 100)", "/referrals/LOAD-\(count / 2)", "/referrals/LOAD-1",
                         "/sent", "/new", "/rejected"] {
                var timings: [Double] = []
                for _ in 0..<requests {
                    let start = ContinuousClock.now
                    let response = try await desk.get(path)
                    let elapsed = ContinuousClock.now - start
                    #expect(response.status == .ok, "\(path)")
                    timings.append(Self.milliseconds(elapsed))
                }
                report.append(Self.line(path, timings))
            }
            // A referral arriving before each request: the request gives it its due day.
            var afterArrival: [Double] = []
            for round in 0..<requests {
                _ = try fixture.ledger.recordReceived(try Self.referral("NEW-\(round)", day: 1 + round % 28))
                let start = ContinuousClock.now
                #expect(try await desk.get("/inbox").status == .ok)
                afterArrival.append(Self.milliseconds(ContinuousClock.now - start))
            }
            report.append(Self.line("/inbox after an arrival", afterArrival))
            // A referral leaving the list before each request (the sender withdrew it).
            var afterChange: [Double] = []
            for round in 0..<requests {
                try fixture.routerSays("LOAD-\(round)", .withdrawn, actor: "peer-support.kochi", detail: "本人の希望",
                                       sequence: Int64(round + 1))
                let start = ContinuousClock.now
                #expect(try await desk.get("/inbox").status == .ok)
                afterChange.append(Self.milliseconds(ContinuousClock.now - start))
            }
            report.append(Self.line("/inbox after a change", afterChange))
            let inbox = String(buffer: try await desk.get("/inbox").body)
            #expect(inbox.contains("返事待ち \(count) 件"))
            #expect(inbox.contains("1 / \((count + 99) / 100) ページ"))
            print("desk pages with \(count) received referrals in the ledger:\n" + report.joined(separator: "\n"))
        }
    }

    static func referral(_ id: String, day: Int) throws -> Referral {
        let routing = """
            {"id": "\(id)", "from": "peer-support.kochi", "to": "saposute.kochi",
             "created_at": "2026-11-\(String(format: "%02d", day))T09:30:00+09:00", "needs": ["employment"], "age_band": "20s",
             "sex": "male", "municipality": "高知市",
             "consent": {"basis": "person", "obtained_on": "2026-11-01", "recorded_by": "相談員A"}}
            """
        return Referral(routing: try Routing.decode(json: Array(routing.utf8)),
                        personal: Array(#"{"name": "利用者 \#(id)", "contact": "090-0000-0000"}"#.utf8))
    }

    static func milliseconds(_ elapsed: Duration) -> Double {
        Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func line(_ label: String, _ timings: [Double]) -> String {
        let sorted = timings.sorted()
        let p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
        return String(format: "%-22@ p50 %7.1f ms  p95 %7.1f ms  (%d requests)", label as NSString, sorted[sorted.count / 2], p95,
                      sorted.count)
    }
}
