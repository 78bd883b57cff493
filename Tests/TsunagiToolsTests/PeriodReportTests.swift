import Foundation
import Testing
import TsunagiCore
import TsunagiStore
@testable import TsunagiTools

@Suite struct PeriodReportTests {
    /// Deterministic pseudo-random numbers, so a failure can be replayed.
    struct SplitMix {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let agencies = ["saposute.kochi", "saposute.nankoku", "employment-base.chubu", "welfare-office.susaki",
                           "welfare-office.aki", "municipality.kochi", "regional-support-center"]
    static let outcomes = ["就職", "修学", "一般就労:農業", "一般就労:林業", "就労訓練"]

    /// FY2022 (R4) generated around the seed's figures: peer support hands 12 people on (one of them
    /// to three agencies at once), plus random traffic between the others; the expected counts are
    /// kept alongside as the referrals are made.
    @Test func generatedFiscalYearReproducesItsCounts() throws {
        let fixture = try StoreFixture()
        var random = SplitMix(state: 2022)
        var expected: [String: AgencyPeriodCounts] = [:]
        func count(_ agency: String, _ change: (inout AgencyPeriodCounts) -> Void) {
            change(&expected[agency, default: AgencyPeriodCounts(agency: AgencyID(rawValue: agency)!)])
        }
        var requests: [StoreRequest] = []
        func make(_ id: String, from: String, to: String, created: CivilDate, state: HandoffState, outcome: String = "就職",
                  withdrawnBeforeDelivery: Bool = false, counted: Bool = true) {
            let routing = StoreFixture.routing(id, from: from, to: to, created: created)
            requests += StoreFixture.requests(routing, state: state, outcome: outcome, withdrawnBeforeDelivery: withdrawnBeforeDelivery)
            // A withdrawn hand-off connected nobody, whether or not it had been delivered.
            let reached = state != .submitted && state != .withdrawn
            guard counted, reached else { return }
            count(from) { $0.referralsOut += 1 }
            count(to) { counts in
                counts.referralsIn += 1
                switch state {
                case .accepted: counts.accepted += 1
                case .completed: counts.accepted += 1; counts.completedByOutcome[outcome, default: 0] += 1
                case .declined: counts.declined += 1
                default: break
                }
            }
        }
        let fiscalYearStart = date("2022-04-01")
        // Peer support (本部): 9 people to one agency each, and one person to three agencies → 12.
        for person in 0..<9 {
            make("peer-\(person)", from: "peer-support.kochi", to: "saposute.kochi",
                 created: fiscalYearStart.adding(days: person * 30 + 5), state: person % 2 == 0 ? .accepted : .delivered)
        }
        for (index, destination) in ["saposute.kochi", "welfare-office.susaki", "employment-base.chubu"].enumerated() {
            make("peer-three-\(index)", from: "peer-support.kochi", to: destination, created: date("2022-11-15"),
                 state: index == 0 ? .completed : .accepted, outcome: "就職")
        }
        // One not yet reached and one withdrawn: no destination reached, not counted.
        make("peer-pending", from: "peer-support.kochi", to: "saposute.nankoku", created: date("2023-03-30"), state: .submitted)
        make("peer-withdrawn", from: "peer-support.kochi", to: "saposute.nankoku", created: date("2022-06-01"),
             state: .withdrawn, withdrawnBeforeDelivery: true)
        // Outside R4 on both sides: never counted.
        make("before-r4", from: "peer-support.kochi", to: "saposute.kochi", created: date("2022-03-31"), state: .accepted, counted: false)
        make("after-r4", from: "peer-support.kochi", to: "saposute.kochi", created: date("2023-04-01"), state: .accepted, counted: false)
        // Random traffic among the other agencies.
        let states: [HandoffState] = [.submitted, .delivered, .accepted, .declined, .completed, .withdrawn]
        for index in 0..<3000 {
            let from = Self.agencies[random.next(Self.agencies.count)]
            var to = Self.agencies[random.next(Self.agencies.count)]
            if to == from { to = "municipality.susaki" }
            make("gen-\(index)", from: from, to: to, created: fiscalYearStart.adding(days: random.next(365)),
                 state: states[random.next(states.count)], outcome: Self.outcomes[random.next(Self.outcomes.count)],
                 withdrawnBeforeDelivery: random.next(2) == 0)
        }
        for chunk in stride(from: 0, to: requests.count, by: 2000) {
            let results = try fixture.store.apply(Array(requests[chunk..<min(chunk + 2000, requests.count)]))
            let refusals = results.compactMap { if case .refused(let error) = $0 { "\(error)" } else { nil } }
            #expect(refusals.isEmpty, "\(refusals.prefix(3))")
        }

        let report = try PeriodReport.build(period: ReportPeriod.parse("R4"), reader: fixture.reader, registry: nil)
        #expect(report.period == "令和4年度")
        let peer = try #require(report.rows.first { $0.agency == AgencyID("peer-support.kochi") })
        #expect(peer.referralsOut == 12)
        for row in report.rows {
            let want = expected[row.agency.rawValue] ?? AgencyPeriodCounts(agency: row.agency)
            #expect(row.referralsOut == want.referralsOut, "out of \(row.agency)")
            #expect(row.referralsIn == want.referralsIn, "in of \(row.agency)")
            #expect(row.accepted == want.accepted, "accepted of \(row.agency)")
            #expect(row.declined == want.declined, "declined of \(row.agency)")
            #expect(row.completedByOutcome == want.completedByOutcome, "outcomes of \(row.agency)")
        }
        #expect(Set(report.rows.map(\.agency.rawValue)) == Set(expected.keys))

        let markdown = report.render(.markdown)
        #expect(markdown.contains("| 機関 | 他機関へのつなぎ（つながった先数） | 他機関からのつなぎ | 受入 | 辞退 | 完了 | 完了の内訳 |"))
        #expect(markdown.contains("| peer-support.kochi | 12 |"))
        let csv = report.render(.csv)
        #expect(csv.hasPrefix("期間,機関ID,機関,"))
        #expect(csv.contains("令和4年度,peer-support.kochi,peer-support.kochi,12,"))
        let json = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as! [String: Any]
        #expect((json["rows"] as? [Any])?.count == report.rows.count)

        // An interim part-year: April–July 2022 holds four of peer support's single referrals.
        let interim = try PeriodReport.build(period: ReportPeriod.parse("R4.4-R4.7"), reader: fixture.reader, registry: nil)
        #expect(interim.rows.first { $0.agency == AgencyID("peer-support.kochi") }?.referralsOut == 4)
    }
}
