import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// 紹介の履歴: one referral's routing facts and every event, with the agency that acted. The
/// personal part is never read (the store query names its columns).
struct HistoryModel: Sendable {
    struct Fact: Sendable {
        let label: String
        let value: String
    }

    struct Event: Sendable {
        let number: Int64
        let at: String
        let state: String
        let actor: String
        /// The agency's staff member who gave the answer, or empty when the worker named none.
        let staff: String
        let detail: String
    }

    let id: String
    let facts: [Fact]
    let events: [Event]
    let state: String
    let overdue: Bool

    static func path(_ id: ReferralID) -> String {
        "/referrals/" + (id.rawValue.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id.rawValue)
    }

    /// nil when the store holds no referral with this id.
    static func build(id: ReferralID, data: ConsoleData) throws -> HistoryModel? {
        guard let summary = try data.reader.routingFacts(of: id) else { return nil }
        let history = try data.reader.history(of: id)
        let routing = summary.routing
        let today = data.today()
        let overdue = summary.state.isUnacknowledged && today > summary.dueDay
        func agency(_ id: AgencyID) -> String {
            let region = data.region(id)
            return data.name(id) + (region.isEmpty ? "" : "（\(region)）")
        }
        var facts = [
            Fact(label: "紹介ID", value: routing.id.rawValue),
            Fact(label: "紹介元", value: agency(routing.from)),
            Fact(label: "紹介先", value: agency(routing.to)),
            Fact(label: "作成日時", value: routing.createdDate.map(JapaneseLabels.japanTime) ?? routing.createdAt),
            Fact(label: "ルーター受付", value: JapaneseLabels.japanTime(summary.submittedAt)),
            Fact(label: "支援の必要", value: routing.needs.map(JapaneseLabels.need).joined(separator: "・")),
            Fact(label: "年代", value: routing.ageBand.japaneseLabel),
            Fact(label: "性別", value: JapaneseLabels.sex(routing.sex)),
            Fact(label: "市町村", value: routing.municipality),
            Fact(label: "同意の根拠", value: JapaneseLabels.consentBasis(routing.consent.basis)),
            Fact(label: "同意を得た日", value: routing.consent.obtainedOn.description),
            Fact(label: "同意の記録者", value: routing.consent.recordedBy),
            Fact(label: "応答期限", value: summary.dueDay.description + (overdue ? "（期限超過）" : "")),
            Fact(label: "現在の状態", value: "\(summary.state.japaneseLabel)（\(JapaneseLabels.japanTime(summary.stateAt))から）"),
        ]
        if let detail = summary.detail, !detail.isEmpty {
            let label = switch summary.state {
            case .completed: "結果"
            case .declined: "辞退の理由"
            case .withdrawn: "取り下げの理由"
            default: "内容"
            }
            facts.append(Fact(label: label, value: detail))
        }
        let events = history.map { event in
            Event(number: event.sequence, at: JapaneseLabels.japanTime(event.at), state: event.state.japaneseLabel,
                  actor: data.name(event.actor), staff: event.staff ?? "", detail: event.detail ?? "")
        }
        return HistoryModel(id: routing.id.rawValue, facts: facts, events: events, state: summary.state.japaneseLabel,
                            overdue: overdue)
    }
}
