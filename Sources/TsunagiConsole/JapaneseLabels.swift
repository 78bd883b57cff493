import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// The prefecture's words for the routing facts the console shows.
enum JapaneseLabels {
    /// A waiting referral's state in the list: an undeliverable one says who acts next.
    static func pendingState(_ state: HandoffState) -> String {
        state == .undeliverable ? "開封不能（送信元の再送待ち）" : state.japaneseLabel
    }

    static func need(_ need: Need) -> String {
        switch need {
        case .employment: "就労"
        case .placeToBelong: "居場所"
        case .medical: "医療"
        case .mentalHealth: "精神保健"
        case .familySupport: "家族支援"
        case .livingSupport: "生活支援"
        case .schooling: "修学"
        case .other: "その他"
        }
    }

    static func sex(_ sex: Sex) -> String {
        switch sex {
        case .female: "女性"
        case .male: "男性"
        case .other: "その他"
        case .unknown: "不明"
        }
    }

    static func consentBasis(_ basis: ConsentBasis) -> String {
        switch basis {
        case .person: "本人の同意"
        case .guardian: "保護者の同意"
        case .supportMeeting: "支援会議（社会福祉法）"
        case .vitalInterest: "生命・身体の保護"
        }
    }

    static func discrepancy(_ kind: Discrepancy.Kind) -> String {
        switch kind {
        case .missingAtRouter: "ルーターにない紹介"
        case .missingAtDestination: "紹介先の台帳にない紹介"
        case .missingAtSender: "紹介元の台帳にない紹介"
        case .stateDiffers: "状態の食い違い"
        case .reportMissing: "台帳報告の未着"
        }
    }

    /// Regions east to west, as the prefecture lists its welfare offices' areas; prefecture-wide last.
    static let regionOrder = ["安芸", "中央", "高幡", "幡多", "全県"]

    /// Agency kinds in the order the prefecture's tables list them.
    static let kindOrder = ["peer-support", "saposute", "employment-base", "welfare-office",
                            "regional-support-center", "municipality"]

    /// "2026-12-02 14:30" in Japan time from the store's ISO 8601 UTC times.
    static func japanTime(_ iso: String) -> String {
        guard let date = Timestamps.parse(iso) else { return iso }
        return japanTime(date)
    }

    static func japanTime(_ date: Date) -> String {
        let local = Int(date.timeIntervalSince1970) + TimeZone.japan.secondsFromGMT(for: date)
        let secondOfDay = ((local % 86_400) + 86_400) % 86_400
        let hour = secondOfDay / 3600, minute = secondOfDay % 3600 / 60
        return "\(CivilDate(date, in: .japan)) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }
}
