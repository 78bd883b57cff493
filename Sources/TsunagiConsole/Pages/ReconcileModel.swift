import Foundation
import TsunagiCore
import TsunagiTools

/// 突合: the last nights' reconcile results (what `tsunagi reconcile` kept beside the store) and
/// what remains of each.
struct ReconcileModel: Sendable {
    struct Night: Sendable {
        let day: String
        let recordedAt: String
        let referrals: Int
        let reports: Int
        let agree: Bool
        let summary: String
        let items: [Item]
        let hasItems: Bool
    }

    struct Item: Sendable {
        let kind: String
        let referral: String
        let referralLink: String?
        let agency: String
        let counterpart: String
        let routerState: String
        let ledgerState: String
        let repair: String
    }

    let nights: [Night]
    let unreadable: [String]
    let folder: String

    static func build(data: ConsoleData, nights limit: Int = 14) -> ReconcileModel {
        let loaded = ReconcileRecords.load(storePath: data.storePath, limit: limit)
        let nights = loaded.records.map { record in
            let result = record.result
            let items = result.discrepancies.map { item in
                Item(kind: JapaneseLabels.discrepancy(item.kind), referral: item.referral?.rawValue ?? "",
                     referralLink: item.referral.map(HistoryModel.path), agency: data.name(item.agency),
                     counterpart: item.counterpart.map(data.name) ?? "", routerState: item.routerState?.japaneseLabel ?? "",
                     ledgerState: item.ledgerState?.japaneseLabel ?? "", repair: repairText(item))
            }
            let repaired = result.discrepancies.filter { $0.repair != nil }.count
            let summary = result.allAgree
                ? "すべての機関の台帳がルーターと一致しました。"
                : "食い違い \(result.discrepancies.count)件（うち修復を依頼 \(repaired)件。次の突合で確かめます）。"
            return Night(day: result.day.description, recordedAt: JapaneseLabels.japanTime(record.recordedAt),
                         referrals: result.referralsAtRouter, reports: result.agenciesReporting.count,
                         agree: result.allAgree, summary: summary, items: items, hasItems: !items.isEmpty)
        }
        return ReconcileModel(nights: nights, unreadable: loaded.unreadable,
                              folder: ReconcileRecords.directory(forStore: data.storePath))
    }

    /// What reconcile did about it, in words; nothing done means a person must look.
    static func repairText(_ item: Discrepancy) -> String {
        guard item.repair != nil else { return "担当者の確認が必要" }
        switch item.kind {
        case .missingAtRouter: return "紹介元に再送を依頼"
        case .missingAtDestination: return "再配送を依頼"
        case .stateDiffers: return item.role == .destination ? "再配送を依頼" : "最新の状態を再送"
        case .missingAtSender, .reportMissing: return "担当者の確認が必要"
        }
    }
}
