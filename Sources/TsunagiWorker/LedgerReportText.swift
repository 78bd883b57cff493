import TsunagiCore

/// `ledger report` as staff read it: the day's referrals counted per direction, counterpart and
/// state, each agency by its name with its id.
struct LedgerReportText {
    let report: LedgerReport
    let names: AgencyNames

    struct Line: Hashable {
        let direction: LedgerEntry.Direction
        let counterpart: AgencyID
        let state: HandoffState
    }

    func lines(_ language: StaffLanguage) -> [String] {
        let count = report.entries.count
        let own = names.labelled(report.agency, language)
        var lines = [language.pick("\(own)の台帳（\(report.day)）: \(count) 件",
                                   "Ledger of \(own) for \(report.day): \(count) referral\(count == 1 ? "" : "s").")]
        var counts: [Line: Int] = [:]
        for entry in report.entries {
            counts[Line(direction: entry.direction, counterpart: entry.counterpart, state: entry.state), default: 0] += 1
        }
        // Sent before received, then by counterpart, then in the hand-off's order of states.
        let sorted = counts.keys.sorted {
            ($0.direction == .sent ? 0 : 1, $0.counterpart.rawValue, $0.state) < ($1.direction == .sent ? 0 : 1, $1.counterpart.rawValue, $1.state)
        }
        for line in sorted {
            let counterpart = names.labelled(line.counterpart, language)
            let state = StaffWords.state(line.state, line.direction).text(language)
            lines.append(language.pick(
                "  \(line.direction == .sent ? "送信先" : "受信元") \(counterpart)  \(state): \(counts[line]!) 件",
                "  \(line.direction == .sent ? "to" : "from") \(counterpart)  \(state): \(counts[line]!)"))
        }
        return lines
    }
}
