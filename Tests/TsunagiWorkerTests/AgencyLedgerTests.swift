import Foundation
import Testing
import TsunagiCore
import TsunagiStore

@Suite struct AgencyLedgerTests {
    func openLedger() throws -> AgencyLedger {
        try AgencyLedger(path: (try Fixtures.temporaryFolder() as NSString).appendingPathComponent("ledger.sqlite"))
    }

    @Test func durableAndOwnerOnly() throws {
        let ledger = try openLedger()
        #expect(try ledger.writerSynchronousMode() == 2)
        let mode = try FileManager.default.attributesOfItem(atPath: ledger.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func recordingASentReferralIsIdempotentByID() throws {
        let ledger = try openLedger()
        let referral = try Fixtures.referral(id: "PS-1")
        #expect(try ledger.recordSent(referral, sourceFile: "a.json") == .recorded)
        #expect(try ledger.recordSent(referral, sourceFile: "a.json") == .alreadyRecorded)
        let changed = try Fixtures.referral(id: "PS-1", personal: #"{"name":"別人"}"#)
        #expect(try ledger.recordSent(changed, sourceFile: "b.json") == .conflict)
        #expect(try ledger.counts().sent == 1)
        #expect(try ledger.unacknowledgedSent().map(\.id.rawValue) == ["PS-1"])
        try ledger.markSubmitted(referral.id, state: .submitted)
        #expect(try ledger.unacknowledgedSent().isEmpty)
    }

    @Test func receivingAndStatusUpdatesAreIdempotent() throws {
        let ledger = try openLedger()
        let referral = try Fixtures.referral(id: "PS-2")
        #expect(try ledger.recordReceived(referral) == .recorded)
        #expect(try ledger.recordReceived(referral) == .alreadyRecorded)
        let update = StatusUpdate(sequence: 7, referral: referral.id, state: .withdrawn, actor: AgencyID("peer-support.kochi"),
                                  at: "2026-11-27T01:00:00.000Z", detail: "本人の希望")
        try ledger.apply(update)
        let events = try ledger.counts().events
        try ledger.apply(update)
        #expect(try ledger.counts().events == events)
        #expect(try ledger.received().first?.state == .withdrawn)
    }

    @Test func answersAreQueuedOnceAndMarkedDone() throws {
        let ledger = try openLedger()
        let referral = try Fixtures.referral(id: "PS-3")
        try ledger.recordReceived(referral)
        try ledger.queueAnswer(.accept, for: referral.id, detail: nil)
        try ledger.queueAnswer(.accept, for: referral.id, detail: nil)
        #expect(try ledger.queuedAnswers().count == 1)
        try ledger.markAnswerDone(.accept, for: referral.id, state: .accepted, actor: AgencyID("saposute.kochi"))
        #expect(try ledger.queuedAnswers().isEmpty)
        #expect(try ledger.received().first?.state == .accepted)
        #expect(throws: AnswerRefusal.self) { try ledger.queueAnswer(.withdraw, for: referral.id, detail: "x") }
        try ledger.queueAnswer(.decline, for: referral.id, detail: "対象年齢外")
        try ledger.markAnswerRefused(.decline, for: referral.id, sentence: "referral PS-3 is accepted; it cannot be declined from there")
        #expect(try ledger.answerRefusal(.decline, for: referral.id)?.contains("accepted") == true)
    }

    @Test func dailyReportCountsByJapanDay() throws {
        let ledger = try openLedger()
        // 23:30 UTC on the 26th is the 27th in Japan.
        try ledger.recordSent(try Fixtures.referral(id: "PS-4", createdAt: "2026-11-26T23:30:00Z"), sourceFile: "x.json")
        try ledger.recordSent(try Fixtures.referral(id: "PS-5", createdAt: "2026-11-28T09:00:00+09:00"), sourceFile: "y.json")
        try ledger.recordReceived(try Fixtures.referral(id: "SP-1", from: "saposute.kochi", to: "peer-support.kochi"))
        let report = try ledger.report(agency: AgencyID("peer-support.kochi"), day: CivilDate(year: 2026, month: 11, day: 27)!)
        #expect(report.entries.map(\.referral.rawValue).sorted() == ["PS-4", "SP-1"])
        #expect(report.entries.first { $0.referral.rawValue == "SP-1" }?.direction == .received)
    }
}
