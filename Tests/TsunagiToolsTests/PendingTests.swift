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
        let history = text.components(separatedBy: "history:")[1]
        for state in ["submitted", "delivered", "accepted", "completed"] { #expect(history.contains(state)) }
        #expect(history.contains("by saposute.kochi: 就職"))
        #expect(!text.contains("山田"))
        #expect(try ReferralDetail.render(ReferralID(rawValue: "r-unknown")!, reader: fixture.reader) == nil)
    }

    @Test func watchFrameFitsEightyColumnsWithAndWithoutColour() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-2024-06-03-welfare-office-long-id-0001", from: "welfare-office.chuo-east", to: "employment-base.seibu",
                        created: date("2024-06-03"), state: .submitted, due: date("2024-06-05"),
                        needs: [.placeToBelong, .mentalHealth, .livingSupport])
        let items = try PendingView.items(reader: fixture.reader, today: date("2024-06-10"))
        let plain = WatchScreen.frame(items: items, width: 80, colour: false, clear: false, agency: nil)
        #expect(!plain.contains("\u{1B}"))
        for line in plain.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
        #expect(plain.contains("welfare.chuo-east"))
        let coloured = WatchScreen.frame(items: items, width: 80, colour: true, clear: true, agency: nil)
        #expect(coloured.hasPrefix(WatchScreen.clearScreen))
        #expect(coloured.contains("\u{1B}[1;31m"))
        #expect(!WatchScreen.wantsColour(noColourFlag: false, environment: ["NO_COLOR": "1"]))
        #expect(!WatchScreen.wantsColour(noColourFlag: true, environment: [:]))
        #expect(WatchScreen.wantsColour(noColourFlag: false, environment: [:]))
    }

    @Test func holidaysListNamesGoldenWeekAndNewYear() {
        let text = HolidayList.render(year: 2024)
        #expect(text.contains("2024-05-03 金 憲法記念日"))
        #expect(text.contains("2024-05-06 月 振替休日"))
        #expect(text.contains("2024-12-31 火 年末年始"))
        #expect(!text.contains("土曜日"))
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
