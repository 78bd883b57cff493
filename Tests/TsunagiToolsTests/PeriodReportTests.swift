import Foundation
import Testing
import TsunagiCore
import TsunagiRuntime
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
        struct Expected {
            var out = 0, declinedOut = 0, withdrawnOut = 0, awaitingOut = 0
            var referralsIn = 0, accepted = 0, declined = 0
            var completedByOutcome: [String: Int] = [:]
        }
        var expected: [String: Expected] = [:]
        func count(_ agency: String, _ change: (inout Expected) -> Void) {
            change(&expected[agency, default: Expected()])
        }
        var requests: [StoreRequest] = []
        func make(_ id: String, from: String, to: String, created: CivilDate, state: HandoffState, outcome: String = "就職",
                  withdrawnBeforeDelivery: Bool = false, counted: Bool = true) {
            let routing = StoreFixture.routing(id, from: from, to: to, created: created)
            requests += StoreFixture.requests(routing, state: state, outcome: outcome, withdrawnBeforeDelivery: withdrawnBeforeDelivery)
            guard counted else { return }
            // The sender's side: つなぎ only when the destination accepted (or since completed).
            count(from) { counts in
                switch state {
                case .accepted, .completed: counts.out += 1
                case .declined: counts.declinedOut += 1
                case .withdrawn: counts.withdrawnOut += 1
                case .submitted, .delivered, .undeliverable: counts.awaitingOut += 1
                }
            }
            // The destination's side: what reached its worker (a withdrawn one is not counted).
            guard state != .submitted, state != .withdrawn else { return }
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
        // Peer support (本部): 9 people accepted by one agency each, and one person by three → 12.
        for person in 0..<9 {
            make("peer-\(person)", from: "peer-support.kochi", to: "saposute.kochi",
                 created: fiscalYearStart.adding(days: person * 30 + 5), state: person % 2 == 0 ? .accepted : .completed)
        }
        for (index, destination) in ["saposute.kochi", "welfare-office.susaki", "employment-base.chubu"].enumerated() {
            make("peer-three-\(index)", from: "peer-support.kochi", to: destination, created: date("2022-11-15"),
                 state: index == 0 ? .completed : .accepted, outcome: "就職")
        }
        // One not yet answered, one withdrawn and one declined: beside つなぎ, not in it.
        make("peer-pending", from: "peer-support.kochi", to: "saposute.nankoku", created: date("2023-03-30"), state: .submitted)
        make("peer-withdrawn", from: "peer-support.kochi", to: "saposute.nankoku", created: date("2022-06-01"),
             state: .withdrawn, withdrawnBeforeDelivery: true)
        make("peer-declined", from: "peer-support.kochi", to: "welfare-office.aki", created: date("2022-09-01"), state: .declined)
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
        #expect(peer.declinedOut == 1)
        #expect(peer.withdrawnOut == 1)
        #expect(peer.awaitingOut == 1)
        for row in report.rows {
            let want = expected[row.agency.rawValue] ?? Expected()
            #expect(row.referralsOut == want.out, "out of \(row.agency)")
            #expect(row.declinedOut == want.declinedOut, "declined out of \(row.agency)")
            #expect(row.withdrawnOut == want.withdrawnOut, "withdrawn out of \(row.agency)")
            #expect(row.awaitingOut == want.awaitingOut, "awaiting out of \(row.agency)")
            #expect(row.referralsIn == want.referralsIn, "in of \(row.agency)")
            #expect(row.accepted == want.accepted, "accepted of \(row.agency)")
            #expect(row.declined == want.declined, "declined of \(row.agency)")
            #expect(row.completedByOutcome == want.completedByOutcome, "outcomes of \(row.agency)")
        }
        #expect(Set(report.rows.map(\.agency.rawValue)) == Set(expected.keys))

        let markdown = report.render(.markdown)
        #expect(markdown.contains("| 機関 | 種別 | 圏域 | 他機関へのつなぎ（つながった先数） | 紹介先が辞退 | 取り下げ | 回答待ち |"))
        #expect(markdown.contains("| peer-support.kochi |  |  | 12 | 1 | 1 | 1 |"))
        let csv = report.render(.csv)
        #expect(csv.contains("令和4年度,peer-support.kochi,peer-support.kochi,,,12,1,1,1,"))
        let json = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as! [String: Any]
        #expect((json["rows"] as? [Any])?.count == report.rows.count)

        // An interim part-year: April–July 2022 holds four of peer support's single referrals (the
        // withdrawn one of June is beside them).
        let interim = try PeriodReport.build(period: ReportPeriod.parse("R4.4-R4.7"), reader: fixture.reader, registry: nil)
        #expect(interim.rows.first { $0.agency == AgencyID("peer-support.kochi") }?.referralsOut == 4)
    }

    /// The registry as shipped (config/agencies.toml): names, kinds and regions.
    static func shippedRegistry() throws -> AgencyDirectory {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try AgencyDirectory.load(path: root.appendingPathComponent("config/agencies.toml").path)
    }

    /// こうち若者サポートステーション's declined SK-20261202-01 once showed as one つなぎ.
    @Test func declinedReferralIsShownBesideTsunagiNotInIt() throws {
        let fixture = try StoreFixture()
        try fixture.add("SK-20261202-01", from: "saposute.kochi", to: "employment-base.chubu", created: date("2026-12-02"), state: .declined)
        try fixture.add("SK-20261202-02", from: "saposute.kochi", to: "welfare-office.susaki", created: date("2026-12-02"), state: .withdrawn)
        let report = try PeriodReport.build(period: ReportPeriod.parse("R8"), reader: fixture.reader, registry: Self.shippedRegistry())
        let saposute = try #require(report.rows.first { $0.agency == AgencyID("saposute.kochi") })
        #expect(saposute.name == "こうち若者サポートステーション")
        #expect(saposute.referralsOut == 0)
        #expect(saposute.declinedOut == 1)
        #expect(saposute.withdrawnOut == 1)
        let chubu = try #require(report.rows.first { $0.agency == AgencyID("employment-base.chubu") })
        #expect(chubu.declined == 1 && chubu.accepted == 0)
        #expect(report.total.connected == 0 && report.total.declined == 1 && report.total.withdrawn == 1)
        #expect(report.render(.markdown).contains("| こうち若者サポートステーション | 若者サポートステーション | 中央 | 0 | 1 | 1 | 0 |"))
    }

    /// 「つながった先数で計上」: one person accepted by three agencies counts 3.
    @Test func onePersonAcceptedByThreeAgenciesCountsThree() throws {
        let fixture = try StoreFixture()
        let day = date("2023-05-10")
        try fixture.add("P-1-a", from: "municipality.susaki", to: "regional-support-center", created: day, state: .accepted)
        try fixture.add("P-1-b", from: "municipality.susaki", to: "peer-support.kochi", created: day, state: .completed, outcome: "居場所の利用")
        try fixture.add("P-1-c", from: "municipality.susaki", to: "welfare-office.susaki", created: day, state: .accepted)
        // The same person's fourth hand-off was declined: it does not connect them.
        try fixture.add("P-1-d", from: "municipality.susaki", to: "saposute.kochi", created: day, state: .declined)
        let report = try PeriodReport.build(period: ReportPeriod.parse("R5.4-R5.7"), reader: fixture.reader, registry: nil)
        let municipality = try #require(report.rows.first { $0.agency == AgencyID("municipality.susaki") })
        #expect(municipality.referralsOut == 3)
        #expect(municipality.declinedOut == 1)
        #expect(report.total.connected == 3)
        #expect(report.byMunicipality.map(\.name) == ["須崎市"])
        #expect(report.byMunicipality.first?.connected == 3)
    }

    /// By municipality, region and age band, each breakdown adds up to the total, and the total's
    /// つなぎ is the agencies' つなぎ summed.
    @Test func breakdownsAddUpToTheTotal() throws {
        let fixture = try StoreFixture()
        var random = SplitMix(state: 4)
        let municipalities = ["高知市", "須崎市", "香美市", "四万十町", "中土佐町", "", "架空村"]
        let states: [HandoffState] = [.submitted, .delivered, .accepted, .declined, .completed, .withdrawn]
        var requests: [StoreRequest] = []
        var connectedByMunicipality: [String: Int] = [:]
        for index in 0..<600 {
            let from = Self.agencies[random.next(Self.agencies.count)]
            var to = Self.agencies[random.next(Self.agencies.count)]
            if to == from { to = "peer-support.hata" }
            let municipality = municipalities[random.next(municipalities.count)]
            let state = states[random.next(states.count)]
            if state == .accepted || state == .completed { connectedByMunicipality[municipality, default: 0] += 1 }
            let routing = StoreFixture.routing("mix-\(index)", from: from, to: to, created: date("2024-04-01").adding(days: random.next(300)),
                                               municipality: municipality, ageBand: AgeBand.allCases[random.next(AgeBand.allCases.count)])
            requests += StoreFixture.requests(routing, state: state, withdrawnBeforeDelivery: random.next(2) == 0)
        }
        _ = try fixture.store.apply(requests)
        let report = try PeriodReport.build(period: ReportPeriod.parse("R6"), reader: fixture.reader, registry: Self.shippedRegistry())
        #expect(report.total.referrals == 600)
        #expect(report.total.connected == report.rows.map(\.referralsOut).reduce(0, +))
        #expect(report.total.declined == report.rows.map(\.declinedOut).reduce(0, +))
        for (name, tallies) in [("municipality", report.byMunicipality), ("region", report.byRegion), ("age band", report.byAgeBand)] {
            #expect(tallies.map(\.referrals).reduce(0, +) == report.total.referrals, "\(name)")
            #expect(tallies.map(\.connected).reduce(0, +) == report.total.connected, "\(name)")
            #expect(tallies.map(\.declined).reduce(0, +) == report.total.declined, "\(name)")
            #expect(tallies.map(\.withdrawn).reduce(0, +) == report.total.withdrawn, "\(name)")
            #expect(tallies.map(\.awaiting).reduce(0, +) == report.total.awaiting, "\(name)")
        }
        // Municipalities in the order of their codes, an unlisted name after them, unknown last.
        #expect(report.byMunicipality.map(\.name) == ["高知市", "須崎市", "香美市", "中土佐町", "四万十町", "架空村", "不明"])
        for tally in report.byMunicipality {
            #expect(tally.connected == connectedByMunicipality[tally.name == "不明" ? "" : tally.name], "\(tally.name)")
        }
        // Every sender here is registered; none is in 幡多.
        #expect(report.byRegion.map(\.name) == ["安芸", "中央", "高幡", "全県"])
        #expect(report.byAgeBand.map(\.name) == ["10代", "20代", "30代", "40代", "50代", "60代以上", "不明"])
    }

    /// Agencies by kind (as the seed lists them), then region east to west, then id; the
    /// 東部 employment base (香美市) is in region 中央.
    @Test func agenciesAreOrderedByKindThenRegion() throws {
        let fixture = try StoreFixture()
        let registry = try Self.shippedRegistry()
        #expect(registry[AgencyID("employment-base.tobu")]?.region == "中央")
        #expect(SeedAgencies.all.first { $0.id == AgencyID("employment-base.tobu") }?.region == "中央")
        let report = try PeriodReport.build(period: ReportPeriod.parse("R6"), reader: fixture.reader, registry: registry)
        #expect(report.rows.map(\.agency.rawValue) == [
            "peer-support.kochi", "peer-support.hata",
            "saposute.kochi", "saposute.nankoku",
            "employment-base.chubu", "employment-base.tobu", "employment-base.seibu",
            "welfare-office.aki", "welfare-office.chuo-east", "welfare-office.chuo-west", "welfare-office.susaki", "welfare-office.hata",
            "regional-support-center",
            "municipality.kochi", "municipality.susaki",
        ])
    }

    /// Excel opens a CSV as UTF-8 only with a byte order mark; the headings are the prefecture's words.
    @Test func csvStartsWithTheByteOrderMarkAndJapaneseHeadings() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-1", from: "peer-support.kochi", to: "saposute.kochi", created: date("2024-06-03"), state: .accepted,
                        municipality: "=HYPERLINK(\"x\")")
        let report = try PeriodReport.build(period: ReportPeriod.parse("R6"), reader: fixture.reader, registry: Self.shippedRegistry())
        let bytes = Array(report.render(.csv).utf8)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "期間,機関ID,機関,種別,圏域,他機関へのつなぎ（つながった先数）,紹介先が辞退,取り下げ,回答待ち,他機関からの紹介（受付）,受入,辞退,完了,完了の内訳")
        #expect(lines[1] == "令和6年度,peer-support.kochi,高知ひきこもりピアサポートセンター（本部）,ピアサポートセンター,中央,1,0,0,0,0,0,0,0,")
        #expect(lines.contains("期間,市町村,紹介,つなぎ（受入・完了）,辞退,取り下げ,回答待ち"))
        // A municipality typed as a formula stays text in Excel.
        #expect(lines.contains("令和6年度,\"'=HYPERLINK(\"\"x\"\")\",1,1,0,0,0"))
        #expect(lines.contains("令和6年度,年代,紹介,つなぎ（受入・完了）,辞退,取り下げ,回答待ち") == false)
        #expect(lines.contains("期間,年代,紹介,つなぎ（受入・完了）,辞退,取り下げ,回答待ち"))
    }
}

/// The console's per-day counts: after every kind of change the report is the one `tsunagi report`
/// counts from the store at that moment, and only the days that changed are read again.
@Suite struct PeriodReportCacheTests {
    static let agencies = PeriodReportTests.agencies
    static let states: [HandoffState] = [.submitted, .delivered, .accepted, .declined, .completed, .withdrawn, .undeliverable]

    func direct(_ period: ReportPeriod, _ fixture: StoreFixture, _ registry: AgencyDirectory) throws -> String {
        try PeriodReport.build(period: period, reader: fixture.reader, registry: registry).render(.json)
    }

    @Test func eachReportIsTheStoreAtThatMomentAndOnlyChangedDaysAreReadAgain() throws {
        let fixture = try StoreFixture()
        let registry = try PeriodReportTests.shippedRegistry()
        var random = PeriodReportTests.SplitMix(state: 2025)
        let june = try ReportPeriod.parse("R7.6"), summer = try ReportPeriod.parse("R7.6-R7.7")
        var requests: [StoreRequest] = []
        for index in 0..<600 {
            let from = Self.agencies[random.next(Self.agencies.count)]
            var to = Self.agencies[random.next(Self.agencies.count)]
            if to == from { to = "municipality.susaki" }
            let routing = StoreFixture.routing("c-\(index)", from: from, to: to, created: date("2025-06-01").adding(days: random.next(61)),
                                               municipality: ["須崎市", "高知市", "四万十市", ""][random.next(4)],
                                               ageBand: AgeBand.allCases[random.next(AgeBand.allCases.count)])
            requests += StoreFixture.requests(routing, state: Self.states[random.next(Self.states.count)],
                                              outcome: PeriodReportTests.outcomes[random.next(PeriodReportTests.outcomes.count)])
        }
        _ = try fixture.store.apply(requests)
        // Referrals the changes below move, each on a known day.
        try fixture.add("m-accept", from: "saposute.kochi", to: "employment-base.chubu", created: date("2025-06-10"), state: .delivered)
        try fixture.add("m-complete", from: "saposute.kochi", to: "welfare-office.susaki", created: date("2025-07-20"), state: .accepted)
        try fixture.add("m-unopened", from: "peer-support.kochi", to: "saposute.kochi", created: date("2025-06-20"), state: .submitted)

        let cache = PeriodReportCache()
        let reader = try fixture.reader
        func agrees(_ period: ReportPeriod, _ moment: String) throws {
            let cached = try cache.report(period: period, reader: reader, registry: registry).render(.json)
            #expect(cached == (try direct(period, fixture, registry)), "\(period.label) \(moment)")
        }
        try agrees(june, "first")
        #expect(cache.keptDays == 30)
        try agrees(summer, "first")
        #expect(cache.keptDays == 61)

        // What changed since the cache's mark, in the store's own words: only those days come back.
        let before = try reader.periodGroupsByDay(from: june.first, through: summer.last, cached: [], since: nil)
        _ = try fixture.store.apply([
            .transition(.accept, ReferralID(rawValue: "m-accept")!, by: AgencyID("employment-base.chubu"), detail: nil),
            .transition(.complete, ReferralID(rawValue: "m-complete")!, by: AgencyID("welfare-office.susaki"), detail: "修学"),
            .transition(.undeliverable, ReferralID(rawValue: "m-unopened")!, by: AgencyID("saposute.kochi"), detail: "433 cannot-open"),
        ])
        // A referral created on a kept day but submitted only now (its worker was offline for a week).
        try fixture.add("m-late", from: "welfare-office.aki", to: "saposute.kochi", created: date("2025-06-03"), state: .declined)
        var allDays = Set<CivilDate>()
        var day = june.first
        while day <= summer.last { allDays.insert(day); day = day.adding(days: 1) }
        let after = try reader.periodGroupsByDay(from: june.first, through: summer.last, cached: allDays, since: before.mark)
        let changed: Set<CivilDate> = [date("2025-06-10"), date("2025-07-20"), date("2025-06-20"), date("2025-06-03")]
        #expect(after.changedDays == changed)
        #expect(Set(after.groups.keys) == changed)
        #expect(after.mark.lastEvent > before.mark.lastEvent)

        try agrees(june, "after the changes")
        try agrees(summer, "after the changes")
        try agrees(try ReportPeriod.parse("R7.7"), "from kept days alone")
        // A period reaching past the kept days reads the new ones only.
        try agrees(try ReportPeriod.parse("R7.6-R7.8"), "with August")
        #expect(cache.keptDays == 92)
    }

    @Test func anUndeliverableReferralWaitsForItsSenderAndDidNotReachTheDestination() throws {
        let fixture = try StoreFixture()
        try fixture.add("u-1", from: "peer-support.kochi", to: "saposute.kochi", created: date("2025-06-02"), state: .undeliverable)
        let report = try PeriodReport.build(period: ReportPeriod.parse("R7.6"), reader: fixture.reader,
                                            registry: PeriodReportTests.shippedRegistry())
        let sender = try #require(report.rows.first { $0.agency == AgencyID("peer-support.kochi") })
        let destination = try #require(report.rows.first { $0.agency == AgencyID("saposute.kochi") })
        #expect(sender.awaitingOut == 1 && sender.referralsOut == 0)
        // The destination's worker could not open it, so does not hold it.
        #expect(destination.referralsIn == 0)
        #expect(report.total.awaiting == 1 && report.total.referrals == 1)
    }
}
