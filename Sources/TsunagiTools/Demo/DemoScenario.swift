import Foundation
import TsunagiCore

/// One hand-off of the demo's morning and what becomes of it.
struct DemoHandoff: Sendable {
    enum Ending: Sendable, Equatable {
        /// Accepted by the destination; `outcome` completes it later in the morning.
        case accepted(outcome: String?)
        case declined(reason: String)
        case withdrawn(reason: String)
        /// Delivered, and the destination has not answered yet.
        case awaitingAnswer
        /// Addressed to an agency with no running worker: it waits at the router.
        case waitingAtRouter
    }

    let id: ReferralID
    let from: AgencyID
    let to: AgencyID
    let needs: [Need]
    let ageBand: AgeBand
    let sex: Sex
    let municipality: String
    let consent: ConsentBasis
    let recordedBy: String
    /// The person's details: only in the file and the destination's inbox, never printed.
    let personal: [String: String]
    /// Dropped as a CSV in the sending kind's Japanese headings (else a JSON document).
    let asCSV: Bool
    let ending: Ending

    /// The state the router's store holds at the end of the demo.
    var finalState: HandoffState {
        switch ending {
        case .accepted(let outcome): outcome == nil ? .accepted : .completed
        case .declined: .declined
        case .withdrawn: .withdrawn
        case .awaitingAnswer: .delivered
        case .waitingAtRouter: .submitted
        }
    }

    var needsInWords: String {
        needs.map { need in
            switch need {
            case .employment: "work"
            case .placeToBelong: "a place to belong"
            case .medical: "medical care"
            case .mentalHealth: "mental health"
            case .familySupport: "family support"
            case .livingSupport: "living support"
            case .schooling: "schooling"
            case .other: "other"
            }
        }.joined(separator: ", ")
    }

    var ageInWords: String {
        switch ageBand {
        case .teens: "in their teens"
        case .twenties: "in their 20s"
        case .thirties: "in their 30s"
        case .forties: "in their 40s"
        case .fifties: "in their 50s"
        case .sixtiesAndOver: "over 60"
        case .unknown: "of unknown age"
        }
    }
}

/// The morning, drawn from the seed (domain.md): who hands whom to whom, and how it ends.
enum DemoScenario {
    static let peer = AgencyID("peer-support.kochi")
    static let saposute = AgencyID("saposute.kochi")
    static let base = AgencyID("employment-base.chubu")
    static let welfare = AgencyID("welfare-office.susaki")
    static let regional = AgencyID("regional-support-center")
    static let susakiCity = AgencyID("municipality.susaki")

    /// The agencies that run a worker in the demo, one of each kind, with the executable's name.
    static let workers: [(agency: AgencyID, executable: String)] = [
        (peer, "tsunagi-peer-support"), (saposute, "tsunagi-saposute"),
        (base, "tsunagi-employment-base"), (welfare, "tsunagi-welfare-office"),
    ]

    /// Referral ids carry the day, as agencies number their own cases.
    static func handoffs(day: CivilDate) -> [DemoHandoff] {
        let stamp = String(day.description.filter(\.isNumber))
        func id(_ prefix: String, _ number: Int) -> ReferralID {
            ReferralID(rawValue: "\(prefix)-\(stamp)-\(number < 10 ? "0" : "")\(number)")!
        }
        return [
            DemoHandoff(id: id("PS", 1), from: peer, to: saposute, needs: [.employment, .placeToBelong],
                        ageBand: .twenties, sex: .male, municipality: "高知市", consent: .person, recordedBy: "ピアサポーターA",
                        personal: ["name": "高知 一郎", "contact": "090-0000-0001", "case_number": "P-0412", "channel": "来所",
                                   "note": "週1回の居場所に通所中。午前中の連絡が望ましい。"],
                        asCSV: false, ending: .accepted(outcome: "就職")),
            DemoHandoff(id: id("WO", 1), from: welfare, to: base, needs: [.employment],
                        ageBand: .forties, sex: .male, municipality: "須崎市", consent: .supportMeeting, recordedBy: "保健師B",
                        personal: ["name": "須崎 次郎", "contact": "0889-00-0002", "case_number": "W-118", "channel": "訪問",
                                   "note": "支援会議（須崎市）で就労体験の希望を確認。"],
                        asCSV: false, ending: .accepted(outcome: nil)),
            DemoHandoff(id: id("SK", 1), from: saposute, to: base, needs: [.employment],
                        ageBand: .thirties, sex: .female, municipality: "南国市", consent: .person, recordedBy: "相談員C",
                        personal: ["name": "南国 花子", "contact": "088-000-0003", "case_number": "S-0033", "track": "一般",
                                   "note": "夕方, 電話可"],
                        asCSV: true, ending: .declined(reason: "今月の就労体験枠が埋まっているため（来月の枠を案内済み）")),
            DemoHandoff(id: id("WO", 2), from: welfare, to: susakiCity, needs: [.livingSupport, .familySupport],
                        ageBand: .forties, sex: .female, municipality: "須崎市", consent: .person, recordedBy: "保健師B",
                        personal: ["name": "須崎 三恵", "contact": "0889-00-0004", "case_number": "W-121", "channel": "来所"],
                        asCSV: false, ending: .waitingAtRouter),
            DemoHandoff(id: id("PS", 2), from: peer, to: regional, needs: [.mentalHealth, .familySupport],
                        ageBand: .thirties, sex: .male, municipality: "高知市", consent: .person, recordedBy: "ピアサポーターA",
                        personal: ["name": "高知 四郎", "contact": "090-0000-0005", "case_number": "P-0415", "channel": "電話",
                                   "note": "家族（母）からの電話相談が始まり。"],
                        asCSV: false, ending: .waitingAtRouter),
            DemoHandoff(id: id("EB", 1), from: base, to: welfare, needs: [.livingSupport],
                        ageBand: .fifties, sex: .male, municipality: "中土佐町", consent: .person, recordedBy: "支援員D",
                        personal: ["name": "中土佐 五郎", "contact": "0889-00-0006", "case_number": "E-027", "program": "就労訓練"],
                        asCSV: false, ending: .awaitingAnswer),
            DemoHandoff(id: id("PS", 3), from: peer, to: welfare, needs: [.placeToBelong],
                        ageBand: .twenties, sex: .female, municipality: "四万十町", consent: .person, recordedBy: "ピアサポーターE",
                        personal: ["name": "四万十 六花", "contact": "090-0000-0007", "case_number": "P-0420", "channel": "出張ピア相談会"],
                        asCSV: false, ending: .withdrawn(reason: "本人が地元のあったかふれあいセンターの利用を選んだため")),
        ]
    }

    /// The referral document `{"routing": …, "personal": …}` as staff software would write it.
    static func json(_ handoff: DemoHandoff, createdAt: String, consentDay: CivilDate) throws -> Data {
        let document: [String: Any] = [
            "routing": [
                "id": handoff.id.rawValue, "from": handoff.from.rawValue, "to": handoff.to.rawValue, "created_at": createdAt,
                "needs": handoff.needs.map(\.rawValue), "age_band": handoff.ageBand.rawValue, "sex": handoff.sex.rawValue,
                "municipality": handoff.municipality,
                "consent": ["basis": handoff.consent.rawValue, "obtained_on": consentDay.description, "recorded_by": handoff.recordedBy],
            ] as [String: Any],
            "personal": handoff.personal,
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// A Saposute case-ledger CSV row in its Japanese headings (docs/WORKERS.md).
    static func saposuteCSV(_ handoff: DemoHandoff, createdAt: String, consentDay: CivilDate) -> Data {
        let needWords: [Need: String] = [.employment: "就労", .placeToBelong: "居場所", .medical: "医療", .mentalHealth: "精神保健",
                                         .familySupport: "家族支援", .livingSupport: "生活支援", .schooling: "修学", .other: "その他"]
        let sexWords: [Sex: String] = [.female: "女性", .male: "男性", .other: "その他", .unknown: "不明"]
        let consentWords: [ConsentBasis: String] = [.person: "本人", .guardian: "保護者", .supportMeeting: "支援会議", .vitalInterest: "生命・身体の保護"]
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let header = "紹介ID,紹介先,作成日時,支援ニーズ,年代,性別,市町村,同意の根拠,同意取得日,同意記録者,氏名,連絡先,登録番号,支援コース,備考"
        let row = [
            handoff.id.rawValue, handoff.to.rawValue, createdAt, handoff.needs.compactMap { needWords[$0] }.joined(separator: "・"),
            handoff.ageBand.japaneseLabel, sexWords[handoff.sex] ?? "不明", handoff.municipality, consentWords[handoff.consent] ?? "本人",
            consentDay.description, handoff.recordedBy, handoff.personal["name"] ?? "", handoff.personal["contact"] ?? "",
            handoff.personal["case_number"] ?? "", handoff.personal["track"] ?? "", handoff.personal["note"] ?? "",
        ].map(field).joined(separator: ",")
        return Data((header + "\n" + row + "\n").utf8)
    }
}
