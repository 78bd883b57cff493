import Foundation
import Testing
import TsunagiCore
import TsunagiStore
@testable import TsunagiTools

@Suite struct PendingTests {
    /// One referral in every state, created over a week in June 2024 (no holidays).
    func storeWithEveryState() throws -> StoreFixture {
        let fixture = try StoreFixture()
        let monday = date("2024-06-03")
        try fixture.add("r-submitted-old", from: "saposute.kochi", to: "welfare-office.susaki", created: monday,
                        state: .submitted, due: date("2024-06-05"), needs: [.mentalHealth, .familySupport])
        try fixture.add("r-delivered", from: "peer-support.kochi", to: "employment-base.chubu", created: date("2024-06-06"),
                        state: .delivered, due: date("2024-06-13"))
        try fixture.add("r-submitted-new", from: "welfare-office.susaki", to: "saposute.kochi", created: date("2024-06-07"),
                        state: .submitted, due: date("2024-06-12"))
        try fixture.add("r-accepted", from: "saposute.kochi", to: "employment-base.chubu", created: monday, state: .accepted)
        try fixture.add("r-declined", from: "saposute.kochi", to: "welfare-office.aki", created: monday, state: .declined)
        try fixture.add("r-completed", from: "peer-support.kochi", to: "saposute.kochi", created: monday, state: .completed)
        try fixture.add("r-withdrawn", from: "peer-support.kochi", to: "welfare-office.hata", created: monday, state: .withdrawn)
        return fixture
    }

    @Test func listsOnlyUnacknowledgedOverdueFirstThenOldest() throws {
        let fixture = try storeWithEveryState()
        let items = try PendingView.items(reader: fixture.reader, today: date("2024-06-10"))
        #expect(items.map(\.id.rawValue) == ["r-submitted-old", "r-delivered", "r-submitted-new"])
        #expect(items.map(\.overdue) == [true, false, false])
        // 6/3 → 6/10: Tue, Wed, Thu, Fri, Mon.
        #expect(items[0].ageBusinessDays == 5)
        #expect(items[2].ageBusinessDays == 1)
        let overdueOnly = try PendingView.items(reader: fixture.reader, overdueOnly: true, today: date("2024-06-10"))
        #expect(overdueOnly.map(\.id.rawValue) == ["r-submitted-old"])
        let forChubu = try PendingView.items(reader: fixture.reader, agency: AgencyID("employment-base.chubu"), today: date("2024-06-10"))
        #expect(forChubu.map(\.id.rawValue) == ["r-delivered"])
    }

    @Test func undeliverableReferralsAreListedWithTheirStateAndCanBeChosen() throws {
        let fixture = try storeWithEveryState()
        try fixture.add("r-unopened", from: "peer-support.kochi", to: "saposute.kochi", created: date("2024-06-04"),
                        state: .undeliverable, due: date("2024-06-07"))
        let today = date("2024-06-10")
        let items = try PendingView.items(reader: fixture.reader, today: today)
        #expect(items.map(\.id.rawValue) == ["r-submitted-old", "r-unopened", "r-delivered", "r-submitted-new"])
        #expect(items[1].state == .undeliverable && items[1].overdue)
        let only = try PendingView.items(reader: fixture.reader, state: .undeliverable, today: today)
        #expect(only.map(\.id.rawValue) == ["r-unopened"])
        #expect(try PendingView.items(reader: fixture.reader, state: .submitted, today: today).map(\.id.rawValue)
            == ["r-submitted-old", "r-submitted-new"])
        // The agency filter reaches them too: the sender must seal it again.
        #expect(try PendingView.items(reader: fixture.reader, agency: AgencyID("peer-support.kochi"), today: today)
            .map(\.id.rawValue) == ["r-unopened", "r-delivered"])
        let table = PendingView.table(items)
        #expect(table.contains("r-unopened") && table.contains("undeliverable"))
        #expect(table.contains("3 unacknowledged, 1 undeliverable (waiting for the sender to seal it again), 2 overdue"))
        let json = try JSONSerialization.jsonObject(with: Data(PendingView.json(only).utf8)) as! [[String: Any]]
        #expect(json.first?["state"] as? String == "undeliverable")
        // Sealed again and resubmitted: submitted once more, listed as such.
        let resealed = Referral(routing: StoreFixture.routing("r-unopened", from: "peer-support.kochi", to: "saposute.kochi",
                                                              created: date("2024-06-04")),
                                personal: Array("{\"name\":\"山田\", \"sealed\": 2}".utf8))
        _ = try fixture.store.apply([.submit(resealed, dueDay: date("2024-06-07"))])
        #expect(try PendingView.items(reader: fixture.reader, state: .undeliverable, today: today).isEmpty)
        #expect(try PendingView.items(reader: fixture.reader, today: today).first { $0.id.rawValue == "r-unopened" }?.state == .submitted)
    }

    @Test func tableAndJSONShowRoutingFactsOnly() throws {
        let fixture = try storeWithEveryState()
        let items = try PendingView.items(reader: fixture.reader, today: date("2024-06-10"))
        let table = PendingView.table(items)
        #expect(table.hasPrefix("ID"))
        #expect(table.contains("r-submitted-old saposute.kochi"))
        #expect(table.contains("mental-health,family-support"))
        #expect(table.contains("2024-06-05!"))
        #expect(table.contains("3 unacknowledged, 1 overdue"))
        #expect(!table.contains("山田"))
        let json = PendingView.json(items)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[String: Any]]
        #expect(decoded.count == 3)
        #expect(decoded[0]["id"] as? String == "r-submitted-old")
        #expect(decoded[0]["overdue"] as? Bool == true)
        #expect(decoded[0]["age_business_days"] as? Int == 5)
        #expect(decoded[0]["due_day"] as? String == "2024-06-05")
        #expect(!json.contains("山田"))
    }

    @Test func overdueCountsBusinessDaysAcrossGoldenWeek() throws {
        let fixture = try StoreFixture()
        let created = date("2024-04-30")
        // Three business days after Tue 30 April 2024: 1 May, 2 May, then (3–6 May off) 7 May.
        let due = BusinessCalendar.japanesePublicOffices.adding(businessDays: 3, to: created)
        #expect(due == date("2024-05-07"))
        try fixture.add("r-gw", from: "peer-support.kochi", to: "saposute.kochi", created: created, state: .delivered, due: due)
        let onDueDay = try PendingView.items(reader: fixture.reader, today: date("2024-05-07"))
        #expect(onDueDay.first?.overdue == false)
        #expect(onDueDay.first?.ageBusinessDays == 3)
        let inHolidays = try PendingView.items(reader: fixture.reader, today: date("2024-05-06"))
        #expect(inHolidays.first?.ageBusinessDays == 2)
        let dayAfter = try PendingView.items(reader: fixture.reader, today: date("2024-05-08"))
        #expect(dayAfter.first?.overdue == true)
        #expect(dayAfter.first?.ageBusinessDays == 4)
    }

    @Test func showPrintsRoutingFactsAndWholeHistoryWithoutPersonalPart() throws {
        let fixture = try storeWithEveryState()
        let text = try #require(try ReferralDetail.render(ReferralID(rawValue: "r-completed")!, reader: fixture.reader))
        #expect(text.contains("from          peer-support.kochi"))
        #expect(text.contains("consent       person, obtained 2024-06-03, recorded by 相談員A"))
        #expect(text.contains("state         completed (完了)"))
        let history = text.components(separatedBy: "history (Japan time):")[1]
        for state in ["submitted", "delivered", "accepted", "completed"] { #expect(history.contains(state)) }
        #expect(history.contains("by saposute.kochi: 就職"))
        #expect(!text.contains("山田"))
        #expect(try ReferralDetail.render(ReferralID(rawValue: "r-unknown")!, reader: fixture.reader) == nil)
    }

    @Test func watchFrameFitsEightyColumnsWithFullIdsWithAndWithoutColour() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-2024-06-03-welfare-office-long-id-0001", from: "welfare-office.chuo-east", to: "employment-base.seibu",
                        created: date("2024-06-03"), state: .submitted, due: date("2024-06-05"),
                        needs: [.placeToBelong, .mentalHealth, .livingSupport])
        let items = try PendingView.items(reader: fixture.reader, today: date("2024-06-10"))
        for width in [60, 80, 100] {
            let plain = WatchScreen.frame(items: items, width: width, colour: false, clear: false, agency: nil)
            #expect(!plain.contains("\u{1B}"))
            for line in plain.split(separator: "\n") { #expect(TerminalScreen.width(String(line)) <= width, "too wide at \(width): \(line)") }
            // Ids whole, never shortened.
            #expect(plain.contains("r-2024-06-03-welfare-office-long-id-0001"))
            #expect(plain.contains("welfare-office.chuo-east"))
            #expect(plain.contains("employment-base.seibu"))
            #expect(!plain.contains("~") && !plain.contains("welfare.") && !plain.contains("emp."))
        }
        let coloured = WatchScreen.frame(items: items, width: 80, colour: true, clear: true, agency: nil)
        #expect(coloured.hasPrefix(WatchScreen.clearScreen))
        #expect(coloured.contains("\u{1B}[1;31m"))
        #expect(!WatchScreen.wantsColour(noColourFlag: false, environment: ["NO_COLOR": "1"]))
        #expect(!WatchScreen.wantsColour(noColourFlag: true, environment: [:]))
        #expect(WatchScreen.wantsColour(noColourFlag: false, environment: [:]))
    }

    /// 40 open referrals, 12 overdue, on short screens: the title, the headings and the overdue
    /// rows first stay on it; the rest is counted, not scrolled.
    @Test func watchFrameKeepsTitleHeadingsAndOverdueOnAShortScreen() throws {
        let fixture = try StoreFixture()
        let agencies = ["welfare-office.susaki", "employment-base.chubu", "saposute.kochi", "peer-support.hata"]
        var requests: [StoreRequest] = []
        for index in 0..<40 {
            let from = agencies[index % 4], to = agencies[(index + 1) % 4]
            let routing = StoreFixture.routing("SK-20240603-\(index < 10 ? "0" : "")\(index)", from: from, to: to, created: date("2024-06-03"))
            requests += StoreFixture.requests(routing, state: index % 2 == 0 ? .submitted : .delivered,
                                              due: index % 10 < 3 ? date("2024-06-05") : date("2024-06-20"))
        }
        _ = try fixture.store.apply(requests)
        let items = try PendingView.items(reader: fixture.reader, today: date("2024-06-10"))
        #expect(items.filter(\.overdue).count == 12)
        let names = try PeriodReportTests.shippedRegistry()
        for (width, height) in [(100, 15), (80, 24), (60, 10)] {
            let frame = WatchScreen.frame(items: items, names: names, width: width, height: height, colour: false, clear: true,
                                          interactive: true, agency: nil)
            let lines = String(frame.dropFirst(WatchScreen.clearScreen.count)).components(separatedBy: "\n")
            #expect(lines.count <= height, "\(width)×\(height): \(lines.count) lines")
            #expect(lines[0].hasPrefix("未応答の紹介") && lines[0].hasSuffix("q で終了"))
            #expect(lines[1].hasPrefix("ID"))
            for line in lines { #expect(TerminalScreen.width(line) <= width, "too wide at \(width): \(line)") }
            let shownIDs = items.map(\.id.rawValue).filter { id in lines.contains { $0.hasPrefix(id + " ") } }
            // What is shown is the head of the list (overdue first), and the rest is counted.
            #expect(!shownIDs.isEmpty)
            #expect(shownIDs == Array(items.prefix(shownIDs.count).map(\.id.rawValue)))
            let hiddenOverdue = max(12 - shownIDs.count, 0)
            #expect(lines.contains { $0.hasPrefix("… and \(40 - shownIDs.count) more" + (hiddenOverdue > 0 ? " (\(hiddenOverdue) overdue)" : "")) },
                    "\(width)×\(height): \(lines)")
            #expect(lines.last?.hasPrefix("40 unacknowledged, 12 overdue") == true)
        }
        // 100×15: one line per referral, so 11 rows fit, all of them overdue.
        let short = WatchScreen.frame(items: items, names: names, width: 100, height: 15, colour: false, clear: false, agency: nil)
        #expect(short.components(separatedBy: "\n").filter { $0.hasPrefix("SK-") }.count == 11)
        #expect(short.contains("… and 29 more (1 overdue)"))
        // A wide screen has room for the Japanese names beside the ids.
        let wide = WatchScreen.frame(items: items, names: names, width: 180, height: 60, colour: false, clear: false, agency: nil)
        #expect(wide.contains("welfare-office.susaki") && wide.contains("須崎福祉保健所"))
        #expect(wide.contains("こうち若者サポートステーション"))
    }

    @Test func showIsInJapanTimeAsTextAndJSON() throws {
        let fixture = try StoreFixture()
        // Submitted 2024-06-03 01:00 UTC = 10:00 in Japan.
        try fixture.add("r-jst", from: "peer-support.kochi", to: "saposute.kochi", created: date("2024-06-03"), state: .accepted,
                        at: Date(timeIntervalSince1970: 1_717_376_400))
        let detail = try #require(try ReferralDetail.load(ReferralID(rawValue: "r-jst")!, reader: fixture.reader,
                                                          registry: PeriodReportTests.shippedRegistry()))
        let text = detail.text
        #expect(text.contains("created at    2024-06-03 10:00:00 JST"))
        #expect(text.contains("submitted at  2024-06-03 10:00:00 JST"))
        #expect(text.contains("state         accepted (受入) since 2024-06-03 10:00:00 JST"))
        #expect(text.contains("from          peer-support.kochi (高知ひきこもりピアサポートセンター（本部）)"))
        #expect(text.contains("  #1  2024-06-03 10:00:00 JST  submitted"))
        #expect(!text.contains("Z "))
        let json = try JSONSerialization.jsonObject(with: Data(detail.json.utf8)) as! [String: Any]
        #expect(json["submitted_at"] as? String == "2024-06-03T10:00:00+09:00")
        #expect(json["created_at"] as? String == "2024-06-03T10:00:00+09:00")
        #expect(json["state"] as? String == "accepted")
        #expect(json["to_name"] as? String == "こうち若者サポートステーション")
        let history = try #require(json["history"] as? [[String: Any]])
        #expect(history.map { $0["state"] as? String } == ["submitted", "delivered", "accepted"])
        #expect(history.allSatisfy { ($0["at"] as? String)?.hasSuffix("+09:00") == true })
        #expect(!detail.json.contains("山田"))
    }

    /// 2024: 21 national holidays and 5 年末年始 days; 8 of them fall on a Saturday or Sunday
    /// (2/11, 5/4, 5/5, 8/11, 9/22, 11/3, 11/23, 12/29), so 18 weekdays are off.
    @Test func holidaysSummaryCountsOnlyWeekdays() throws {
        let text = HolidayList.render(year: 2024)
        #expect(text.contains("2024-05-03 金 憲法記念日"))
        #expect(text.contains("2024-05-06 月 振替休日"))
        #expect(text.contains("2024-12-31 火 年末年始"))
        #expect(text.contains("2024-05-04 土 みどりの日 (on a weekend)"))
        #expect(!text.contains("土曜日"))
        #expect(text.hasSuffix("18 weekdays off in 2024 besides Saturdays and Sundays (8 more holidays fall on a weekend)\n"))
        // The same count from the calendar itself: 366 days, 104 of them weekend days (2024 began on a Monday).
        let calendar = BusinessCalendar.japanesePublicOffices
        let first = date("2024-01-01")
        #expect((0..<366).filter { calendar.isBusinessDay(first.adding(days: $0)) }.count == 366 - 104 - 18)
        let json = try JSONSerialization.jsonObject(with: Data(HolidayList.json(year: 2024).utf8)) as! [String: Any]
        #expect(json["weekdays_off"] as? Int == 18)
        #expect((json["days"] as? [[String: Any]])?.count == 26)
    }

    @Test func storeVerifyAndOnlineBackup() throws {
        let fixture = try storeWithEveryState()
        #expect(try StoreMaintenance.verify(storePath: fixture.path).isEmpty)
        let copy = fixture.directory + "/backup/router-copy.sqlite"
        #expect(try StoreMaintenance.backup(storePath: fixture.path, to: copy).isEmpty)
        #expect(try StoreReader(path: copy).countsByState().values.reduce(0, +) == 7)
        #expect(throws: StoreError.self) { try StoreMaintenance.backup(storePath: fixture.path, to: copy) }
    }
}
