import Foundation
import TsunagiCore
import TsunagiStore

/// One way an agency's ledger and the router's store disagree about a day.
public struct Discrepancy: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The agency's ledger lists a referral the router does not hold.
        case missingAtRouter = "missing-at-router"
        /// The router delivered a referral to the agency, but the agency's ledger lacks it.
        case missingAtDestination = "missing-at-destination"
        /// The router holds a referral the sender's own ledger lacks.
        case missingAtSender = "missing-at-sender"
        /// Both hold it, in different states.
        case stateDiffers = "state-differs"
        /// The agency was party to referrals that day and sent no ledger report.
        case reportMissing = "report-missing"
    }

    public let kind: Kind
    /// The agency whose ledger disagrees.
    public let agency: AgencyID
    /// The agency's part in the referral (nil for a missing report).
    public let role: Party?
    public let referral: ReferralID?
    public let counterpart: AgencyID?
    public let routerState: HandoffState?
    public let ledgerState: HandoffState?
    /// What reconcile did about it (nil: nothing the router can do; a person must look).
    public var repair: String?

    enum CodingKeys: String, CodingKey {
        case kind, agency, role, referral, counterpart, repair
        case routerState = "router_state"
        case ledgerState = "ledger_state"
    }
}

/// Referrals between one agency and one counterpart that day, as each side counts them.
public struct CounterpartTally: Sendable, Hashable, Codable {
    public let agency: AgencyID
    public let counterpart: AgencyID
    public var atRouter: Int
    public var inLedger: Int
    public var discrepancies: Int

    enum CodingKeys: String, CodingKey {
        case agency, counterpart, discrepancies
        case atRouter = "at_router"
        case inLedger = "in_ledger"
    }
}

public struct ReconcileResult: Sendable, Hashable, Encodable {
    public let day: CivilDate
    public let referralsAtRouter: Int
    public let agenciesReporting: [AgencyID]
    public let discrepancies: [Discrepancy]
    public let counterparts: [CounterpartTally]

    /// Repaired discrepancies still count: a repair is a request to the router and the workers,
    /// and only the next run (with the next reports) can confirm the books agree.
    public var allAgree: Bool { discrepancies.isEmpty }
    public var exitStatus: Int32 { allAgree ? 0 : 1 }

    enum CodingKeys: String, CodingKey {
        case day, discrepancies, counterparts
        case referralsAtRouter = "referrals_at_router"
        case agenciesReporting = "agencies_reporting"
        case allAgree = "all_agree"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(day, forKey: .day)
        try container.encode(referralsAtRouter, forKey: .referralsAtRouter)
        try container.encode(agenciesReporting, forKey: .agenciesReporting)
        try container.encode(discrepancies, forKey: .discrepancies)
        try container.encode(counterparts, forKey: .counterparts)
        try container.encode(allAgree, forKey: .allAgree)
    }
}

/// `tsunagi reconcile`: compares each agency's daily ledger report with the router's store.
public enum Reconciler {
    /// - Parameters:
    ///   - repairStore: when given, repairable discrepancies are repaired through it (the running
    ///     router picks the requests up within a second); nil only reports.
    ///   - reportingAgencies: agencies expected to send reports (those running a worker); nil
    ///     expects one from every party to the day's referrals.
    public static func run(day: CivilDate, reader: StoreReader, repairStore: RouterStore? = nil,
                           reportingAgencies: Set<AgencyID>? = nil, now: Date = Date()) throws -> ReconcileResult {
        let referrals = try reader.referrals(createdOn: day)
        let reports = try reader.ledgerReports(for: day)
        var parties = Set(reports.keys)
        for referral in referrals { parties.insert(referral.from); parties.insert(referral.to) }

        var discrepancies: [Discrepancy] = []
        var tallies: [AgencyID: [AgencyID: CounterpartTally]] = [:]
        for agency in parties.sorted() {
            let mine = referrals.filter { $0.from == agency || $0.to == agency }
            guard let report = reports[agency] else {
                // A report is owed once the agency has something to report: it sent a referral, or one
                // reached it (or should have by now). A registered agency whose worker has never
                // connected, with only fresh undelivered referrals waiting for it, owes none yet.
                let owesReport = mine.contains { $0.from == agency || expectedAtDestination($0, now: now) }
                if owesReport, reportingAgencies?.contains(agency) ?? true {
                    discrepancies.append(Discrepancy(kind: .reportMissing, agency: agency, role: nil, referral: nil, counterpart: nil,
                                                     routerState: nil, ledgerState: nil, repair: nil))
                }
                continue
            }
            var found: [Discrepancy] = []
            let ledger = Dictionary(report.entries.map { ($0.referral, $0) }, uniquingKeysWith: { _, last in last })
            func tally(_ counterpart: AgencyID, _ change: (inout CounterpartTally) -> Void) {
                change(&tallies[agency, default: [:]][counterpart, default: CounterpartTally(
                    agency: agency, counterpart: counterpart, atRouter: 0, inLedger: 0, discrepancies: 0)])
            }
            for referral in mine {
                let isDestination = referral.to == agency
                let counterpart = isDestination ? referral.from : referral.to
                tally(counterpart) { $0.atRouter += 1 }
                guard let entry = ledger[referral.id] else {
                    let role: Party = isDestination ? .destination : .sender
                    if isDestination {
                        guard expectedAtDestination(referral, now: now) else { continue }
                        found.append(Discrepancy(kind: .missingAtDestination, agency: agency, role: role, referral: referral.id,
                                                 counterpart: counterpart, routerState: referral.state, ledgerState: nil))
                    } else {
                        found.append(Discrepancy(kind: .missingAtSender, agency: agency, role: role, referral: referral.id,
                                                 counterpart: counterpart, routerState: referral.state, ledgerState: nil))
                    }
                    continue
                }
                if entry.state != referral.state {
                    found.append(Discrepancy(kind: .stateDiffers, agency: agency, role: isDestination ? .destination : .sender, referral: referral.id,
                                             counterpart: counterpart, routerState: referral.state, ledgerState: entry.state))
                }
            }
            let atRouter = Set(mine.map(\.id))
            for entry in report.entries.sorted(by: { $0.referral < $1.referral }) {
                tally(entry.counterpart) { $0.inLedger += 1 }
                // A referral the router holds under another day is not lost; the days are compared elsewhere.
                guard !atRouter.contains(entry.referral), try !reader.contains(entry.referral) else { continue }
                found.append(Discrepancy(kind: .missingAtRouter, agency: agency, role: entry.direction == .sent ? .sender : .destination, referral: entry.referral,
                                         counterpart: entry.counterpart, routerState: nil, ledgerState: entry.state))
            }
            for item in found { if let counterpart = item.counterpart { tally(counterpart) { $0.discrepancies += 1 } } }
            discrepancies += found
        }
        if let repairStore {
            discrepancies = try discrepancies.map { try repair($0, in: repairStore, now: now) }
        }
        let counterparts = tallies.keys.sorted().flatMap { agency in
            tallies[agency]!.keys.sorted().map { tallies[agency]![$0]! }
        }
        return ReconcileResult(day: day, referralsAtRouter: referrals.count, agenciesReporting: reports.keys.sorted(),
                               discrepancies: discrepancies, counterparts: counterparts)
    }

    /// A destination's ledger should hold a referral once the router has it confirmed delivered, or
    /// when it has been waiting for delivery for more than a day. A withdrawn referral may never have
    /// reached the destination, so its absence there is no loss.
    static func expectedAtDestination(_ referral: DayReferral, now: Date) -> Bool {
        switch referral.state {
        // An undeliverable one did not open there, so the destination never held it.
        case .withdrawn, .undeliverable: return false
        case .submitted:
            guard let submitted = Timestamps.parse(referral.submittedAt) else { return true }
            return now.timeIntervalSince(submitted) > 86_400
        default: return true
        }
    }

    /// How far along a hand-off is, to tell which side is behind.
    static func progress(_ state: HandoffState) -> Int {
        switch state {
        case .submitted, .undeliverable: 0
        case .delivered: 1
        case .accepted: 2
        case .declined, .withdrawn, .completed: 3
        }
    }

    static func repair(_ discrepancy: Discrepancy, in store: RouterStore, now: Date) throws -> Discrepancy {
        var repaired = discrepancy
        guard let referral = discrepancy.referral else { return repaired }
        switch discrepancy.kind {
        case .missingAtRouter:
            // Only the sender can send it again: ask the agency itself if it sent it, else its counterpart.
            let sender = discrepancy.role == .sender ? discrepancy.agency : (discrepancy.counterpart ?? discrepancy.agency)
            try store.requestResend(of: referral, from: sender, at: now)
            repaired.repair = "asked \(sender) to resend"
        case .missingAtDestination:
            _ = try store.requestRedelivery(of: referral, at: now)
            repaired.repair = "redelivery requested"
        case .stateDiffers:
            guard let routerState = discrepancy.routerState, let ledgerState = discrepancy.ledgerState,
                  progress(routerState) > progress(ledgerState) else { return repaired }
            if discrepancy.role == .destination {
                _ = try store.requestRedelivery(of: referral, at: now)
                repaired.repair = "redelivery requested"
            } else {
                try store.requestStatusResend(of: referral, to: discrepancy.agency)
                repaired.repair = "latest status sent again to \(discrepancy.agency)"
            }
        case .missingAtSender, .reportMissing:
            break
        }
        return repaired
    }
}
