import Foundation
import Testing
import TsunagiCore
import TsunagiStore
@testable import TsunagiTools

@Suite struct ReconcileTests {
    let day = date("2024-06-10")
    /// Two days after the referrals were made: anything still in delivery is late by then.
    let now = date("2024-06-12").startOfDay()
    let submittedAt = date("2024-06-10").startOfDay().addingTimeInterval(3600)

    /// A day on which every ledger agrees with the router.
    func cleanDay() throws -> StoreFixture {
        let fixture = try StoreFixture()
        try fixture.add("r-ok-1", from: "saposute.kochi", to: "welfare-office.susaki", created: day, state: .accepted, at: submittedAt)
        try fixture.add("r-ok-2", from: "peer-support.kochi", to: "saposute.kochi", created: day, state: .completed, at: submittedAt)
        // Another day's referral is not the day's business.
        try fixture.add("r-other-day", from: "peer-support.kochi", to: "welfare-office.susaki", created: date("2024-06-11"),
                        state: .delivered, at: submittedAt)
        try fixture.report("saposute.kochi", day: day, [.sent("r-ok-1", to: "welfare-office.susaki", .accepted),
                                                        .received("r-ok-2", from: "peer-support.kochi", .completed)])
        try fixture.report("welfare-office.susaki", day: day, [.received("r-ok-1", from: "saposute.kochi", .accepted)])
        try fixture.report("peer-support.kochi", day: day, [.sent("r-ok-2", to: "saposute.kochi", .completed)])
        return fixture
    }

    @Test func cleanDayAgreesAndExitsZero() throws {
        let fixture = try cleanDay()
        let result = try Reconciler.run(day: day, reader: fixture.reader, repairStore: fixture.store, now: now)
        #expect(result.discrepancies.isEmpty)
        #expect(result.exitStatus == 0)
        #expect(result.referralsAtRouter == 2)
        #expect(ReconcileReport.text(result).contains("all ledgers agree"))
        let susaki = result.counterparts.first { $0.agency == AgencyID("welfare-office.susaki") }
        #expect(susaki == CounterpartTally(agency: AgencyID("welfare-office.susaki"), counterpart: AgencyID("saposute.kochi"),
                                           atRouter: 1, inLedger: 1, discrepancies: 0))
        #expect(try fixture.store.redeliveryRequests().isEmpty)
    }

    /// A registered agency whose worker has not connected yet owes no report for referrals still
    /// fresh at the router; once one has waited more than a day, its missing report is named.
    @Test func reportIsOwedOnlyOnceSomethingReachedOrShouldHaveReachedTheAgency() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-fresh", from: "peer-support.kochi", to: "regional-support-center", created: day, state: .submitted,
                        at: now.addingTimeInterval(-600))
        try fixture.add("r-withdrawn", from: "peer-support.kochi", to: "municipality.susaki", created: day, state: .withdrawn,
                        at: submittedAt)
        try fixture.report("peer-support.kochi", day: day, [.sent("r-fresh", to: "regional-support-center", .submitted),
                                                            .sent("r-withdrawn", to: "municipality.susaki", .withdrawn)])
        let everyone: Set<AgencyID> = [AgencyID("peer-support.kochi"), AgencyID("regional-support-center"), AgencyID("municipality.susaki")]
        let fresh = try Reconciler.run(day: day, reader: fixture.reader, reportingAgencies: everyone, now: now)
        #expect(fresh.discrepancies.isEmpty, "\(fresh.discrepancies)")

        let dayLater = try Reconciler.run(day: day, reader: fixture.reader, reportingAgencies: everyone, now: now.addingTimeInterval(86_400))
        #expect(dayLater.discrepancies.map(\.kind) == [.reportMissing])
        #expect(dayLater.discrepancies.map(\.agency) == [AgencyID("regional-support-center")])
    }

    @Test func findsNamesAndRepairsEachKindOfDiscrepancy() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-ok", from: "saposute.kochi", to: "welfare-office.susaki", created: day, state: .accepted, at: submittedAt)
        // The destination's ledger lost a referral the router delivered.
        try fixture.add("r-lost-at-destination", from: "peer-support.kochi", to: "welfare-office.susaki", created: day,
                        state: .delivered, at: submittedAt)
        // The router says accepted; the destination's ledger is still at delivered.
        try fixture.add("r-state", from: "welfare-office.susaki", to: "saposute.kochi", created: day, state: .accepted, at: submittedAt)
        // employment-base.chubu received one and sent no report.
        try fixture.add("r-unreported", from: "peer-support.kochi", to: "employment-base.chubu", created: day,
                        state: .delivered, at: submittedAt)
        // Still in delivery, and recent: not a discrepancy yet.
        try fixture.add("r-in-flight", from: "saposute.kochi", to: "welfare-office.susaki", created: day, state: .submitted,
                        at: now.addingTimeInterval(-600))
        try fixture.report("saposute.kochi", day: day, [
            .sent("r-ok", to: "welfare-office.susaki", .accepted),
            .sent("r-in-flight", to: "welfare-office.susaki", .submitted),
            .received("r-state", from: "welfare-office.susaki", .delivered),
            // Sent, but the router never got it.
            .sent("r-lost-at-router", to: "employment-base.tobu", .submitted),
        ])
        try fixture.report("welfare-office.susaki", day: day, [
            .received("r-ok", from: "saposute.kochi", .accepted),
            .sent("r-state", to: "saposute.kochi", .accepted),
        ])
        try fixture.report("peer-support.kochi", day: day, [
            .sent("r-lost-at-destination", to: "welfare-office.susaki", .delivered),
            .sent("r-unreported", to: "employment-base.chubu", .delivered),
        ])

        let result = try Reconciler.run(day: day, reader: fixture.reader, repairStore: fixture.store, now: now)
        let byKind = Dictionary(grouping: result.discrepancies, by: \.kind)
        #expect(byKind[.missingAtRouter]?.map(\.referral?.rawValue) == ["r-lost-at-router"])
        #expect(byKind[.missingAtDestination]?.map(\.referral?.rawValue) == ["r-lost-at-destination"])
        #expect(byKind[.missingAtDestination]?.first?.agency == AgencyID("welfare-office.susaki"))
        let stateDiffers = try #require(byKind[.stateDiffers]?.first)
        #expect(stateDiffers.referral?.rawValue == "r-state")
        #expect(stateDiffers.agency == AgencyID("saposute.kochi"))
        #expect(stateDiffers.routerState == .accepted && stateDiffers.ledgerState == .delivered)
        #expect(byKind[.reportMissing]?.map(\.agency) == [AgencyID("employment-base.chubu")])
        #expect(result.discrepancies.count == 4)
        #expect(result.exitStatus == 1)

        // Repairs: a resend asked of the sender, redeliveries for the lost and the stale destination.
        #expect(try fixture.store.resendRequests().map { "\($0.referral)@\($0.agency)" } == ["r-lost-at-router@saposute.kochi"])
        #expect(try fixture.store.redeliveryRequests().map(\.rawValue).sorted() == ["r-lost-at-destination", "r-state"])
        #expect(byKind[.reportMissing]?.first?.repair == nil)
        #expect(byKind[.missingAtRouter]?.first?.repair == "asked saposute.kochi to resend")

        let text = ReconcileReport.text(result)
        for name in ["missing-at-router", "r-lost-at-router", "missing-at-destination", "r-lost-at-destination",
                     "state-differs", "r-state", "report-missing", "employment-base.chubu", "per counterpart:"] {
            #expect(text.contains(name), "report lacks \(name)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(ReconcileReport.json(result).utf8)) as! [String: Any]
        #expect(json["all_agree"] as? Bool == false)
        #expect((json["discrepancies"] as? [Any])?.count == 4)
        let susakiFromPeer = result.counterparts.first {
            $0.agency == AgencyID("welfare-office.susaki") && $0.counterpart == AgencyID("peer-support.kochi")
        }
        #expect(susakiFromPeer?.atRouter == 1 && susakiFromPeer?.inLedger == 0 && susakiFromPeer?.discrepancies == 1)
    }

    @Test func withoutRepairNothingIsRequested() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-lost", from: "peer-support.kochi", to: "saposute.kochi", created: day, state: .delivered, at: submittedAt)
        try fixture.report("peer-support.kochi", day: day, [.sent("r-lost", to: "saposute.kochi", .delivered)])
        try fixture.report("saposute.kochi", day: day, [])
        let result = try Reconciler.run(day: day, reader: fixture.reader, repairStore: nil, now: now)
        #expect(result.discrepancies.map(\.kind) == [.missingAtDestination])
        #expect(result.discrepancies.first?.repair == nil)
        #expect(try fixture.store.redeliveryRequests().isEmpty)
    }

    @Test func senderBehindGetsItsStatusAgain() throws {
        let fixture = try StoreFixture()
        try fixture.add("r-behind", from: "peer-support.kochi", to: "saposute.kochi", created: day, state: .declined, at: submittedAt)
        // The worker acknowledged the update, then lost it (restored from an old backup).
        let pending = try fixture.store.unacknowledgedNotices(for: AgencyID("peer-support.kochi"), afterSequence: 0, limit: 10)
        _ = try fixture.store.apply(pending.map { .acknowledgeStatus(sequence: $0.sequence, by: AgencyID("peer-support.kochi")) })
        try fixture.report("peer-support.kochi", day: day, [.sent("r-behind", to: "saposute.kochi", .delivered)])
        try fixture.report("saposute.kochi", day: day, [.received("r-behind", from: "peer-support.kochi", .declined)])
        let result = try Reconciler.run(day: day, reader: fixture.reader, repairStore: fixture.store, now: now)
        #expect(result.discrepancies.map(\.kind) == [.stateDiffers])
        #expect(result.discrepancies.first?.repair == "latest status sent again to peer-support.kochi")
        let resent = try fixture.store.unacknowledgedNotices(for: AgencyID("peer-support.kochi"), afterSequence: 0, limit: 10)
        #expect(resent.map(\.state) == [.declined])
    }
}
