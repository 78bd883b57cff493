import Foundation
import TsunagiCore

/// How `tsunagi reconcile` prints its result.
public enum ReconcileReport {
    public static func json(_ result: ReconcileResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(result)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }

    public static func text(_ result: ReconcileResult) -> String {
        let repaired = result.discrepancies.filter { $0.repair != nil }.count
        var lines = [
            "reconcile \(result.day) (Japan time): \(result.referralsAtRouter) referrals at the router, "
                + "\(result.agenciesReporting.count) ledger reports, \(result.discrepancies.count) discrepancies"
                + (repaired > 0 ? " (\(repaired) repair request\(repaired == 1 ? "" : "s") made; the next run confirms them)" : ""),
        ]
        if result.allAgree { lines.append("all ledgers agree with the router") }
        for kind in Discrepancy.Kind.allCases {
            let ofKind = result.discrepancies.filter { $0.kind == kind }
            guard !ofKind.isEmpty else { continue }
            lines.append("")
            lines.append("\(kind.rawValue) (\(ofKind.count)):")
            for item in ofKind { lines.append("  " + sentence(item)) }
        }
        if !result.counterparts.isEmpty {
            lines.append("")
            lines.append("per counterpart:")
            let agencyWidth = max(6, result.counterparts.map(\.agency.rawValue.count).max() ?? 0)
            let counterpartWidth = max(11, result.counterparts.map(\.counterpart.rawValue.count).max() ?? 0)
            lines.append("  " + "AGENCY".padding(toLength: agencyWidth, withPad: " ", startingAt: 0) + "  "
                + "COUNTERPART".padding(toLength: counterpartWidth, withPad: " ", startingAt: 0) + "  ROUTER  LEDGER  DIFF")
            for tally in result.counterparts {
                lines.append("  " + tally.agency.rawValue.padding(toLength: agencyWidth, withPad: " ", startingAt: 0) + "  "
                    + tally.counterpart.rawValue.padding(toLength: counterpartWidth, withPad: " ", startingAt: 0)
                    + "  " + pad(tally.atRouter, 6) + "  " + pad(tally.inLedger, 6) + "  " + pad(tally.discrepancies, 4))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func sentence(_ item: Discrepancy) -> String {
        let id = item.referral?.rawValue ?? ""
        let repair = item.repair.map { " -> \($0)" } ?? ""
        let between = item.counterpart.map { item.role == .sender ? " (sent to \($0))" : " (from \($0))" } ?? ""
        switch item.kind {
        case .missingAtRouter:
            return "\(id): in the ledger of \(item.agency)\(between) as \(item.ledgerState?.rawValue ?? "?"), not at the router\(repair)"
        case .missingAtDestination:
            return "\(id): router has it \(item.routerState?.rawValue ?? "?") to \(item.agency)\(between), its ledger lacks it\(repair)"
        case .missingAtSender:
            return "\(id): router has it \(item.routerState?.rawValue ?? "?"), the ledger of its sender \(item.agency) lacks it\(between)"
        case .stateDiffers:
            return "\(id): \(item.agency)\(between) ledger says \(item.ledgerState?.rawValue ?? "?"), router says \(item.routerState?.rawValue ?? "?")\(repair)"
        case .reportMissing:
            return "\(item.agency): sent no ledger report for the day though it was party to referrals"
        }
    }

    static func pad(_ number: Int, _ width: Int) -> String {
        let text = "\(number)"
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
