import Foundation
import TsunagiCore

/// Reads the files staff or case software drop into the outbox: a JSON referral document
/// `{"routing": {...}, "personal": {...}}`, or a CSV in the agency kind's own Japanese headings
/// as Excel saves it (ReferralCSV.swift). A file with problems is refused whole, with every
/// problem listed.
public struct ReferralFileReader: Sendable {
    public let agency: AgencyID
    public let profile: AgencyProfile
    /// Agencies that may receive referrals; nil when no registry is configured.
    public let knownDestinations: Set<AgencyID>?

    public init(agency: AgencyID, profile: AgencyProfile, knownDestinations: Set<AgencyID>?) {
        self.agency = agency
        self.profile = profile
        self.knownDestinations = knownDestinations
    }

    /// One referral of a file, and where it stands in the file (its CSV row, or the file for a
    /// JSON document), so that what became of it can be said in its place.
    public struct FileReferral: Sendable {
        public let referral: Referral
        public let place: FileProblem.Place
    }

    /// Reads one outbox file. `name` decides the format (`.csv`, else JSON); `modified` is the
    /// file's time, the creation time of CSV rows that give none.
    public func read(_ data: Data, name: String, modified: Date? = nil) throws(RejectionReason) -> [Referral] {
        try readReferrals(data, name: name, modified: modified).map(\.referral)
    }

    /// Reads one outbox file with each referral's place. A CSV row without 作成日時 whose id was
    /// sent before takes the creation time it was sent with (`earlierCreation`), so that the same
    /// sheet saved again with rows added is the same referral again, not a changed one.
    public func readReferrals(_ data: Data, name: String, modified: Date? = nil,
                              earlierCreation: (ReferralID) -> String? = { _ in nil }) throws(RejectionReason) -> [FileReferral] {
        if name.lowercased().hasSuffix(".csv") {
            return try readCSV(data, modified: modified ?? Date(), earlierCreation: earlierCreation)
        }
        return [FileReferral(referral: try readJSON(data), place: .file)]
    }

    // MARK: Words

    /// Japanese words accepted for the routing vocabularies (the English values work too).
    static let needWords: [(word: String, need: Need)] = [
        ("就労", .employment), ("居場所", .placeToBelong), ("医療", .medical), ("精神保健", .mentalHealth),
        ("メンタルヘルス", .mentalHealth), ("家族支援", .familySupport), ("生活支援", .livingSupport), ("修学", .schooling),
        ("就学", .schooling), ("その他", .other),
    ]
    static let sexWords: [(word: String, sex: Sex)] = [
        ("女性", .female), ("女", .female), ("男性", .male), ("男", .male), ("その他", .other), ("不明", .unknown),
    ]
    static let consentWords: [(word: String, basis: ConsentBasis)] = [
        ("本人", .person), ("本人同意", .person), ("保護者", .guardian), ("保護者同意", .guardian), ("支援会議", .supportMeeting),
        ("生命・身体の保護", .vitalInterest), ("生命身体の保護", .vitalInterest),
    ]
    static let needList = "就労, 居場所, 医療, 精神保健, 家族支援, 生活支援, 修学, その他"
    static let ageList = AgeBand.allCases.map(\.japaneseLabel).joined(separator: ", ")
    static let sexList = "女性, 男性, その他, 不明"
    static let consentList = "本人, 保護者, 支援会議, 生命・身体の保護"

    // MARK: JSON

    func readJSON(_ data: Data) throws(RejectionReason) -> Referral {
        let shape = #"{"routing": {...}, "personal": {...}}"#
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw RejectionReason(
                japanese: "ファイルが正しいJSONではありません。紹介の文書は \(shape) の形で書いてください（括弧・引用符・カンマの抜けがないか確かめてください）。",
                english: "the file is not valid JSON: a referral document is \(shape)")
        }
        guard let document = object as? [String: Any] else {
            throw RejectionReason(
                japanese: "ファイルはJSONですがオブジェクトではありません。紹介の文書は \(shape) の形で書いてください。",
                english: "the file holds JSON but not an object: a referral document is \(shape)")
        }
        var problems: [FileProblem] = []
        let routingObject = document["routing"] as? [String: Any]
        if document["routing"] == nil {
            problems.append(FileProblem(.field("routing"), japanese: "この項目がありません。紹介先や同意など送付の情報を \"routing\": {...} に書いてください。",
                                        english: "is missing: a referral document is \(shape)"))
        } else if routingObject == nil {
            problems.append(FileProblem(.field("routing"), japanese: "JSONオブジェクト {...} にしてください。",
                                        english: "must be a JSON object {...}"))
        }
        let personalObject = document["personal"] as? [String: Any]
        if document["personal"] == nil {
            problems.append(FileProblem(.field("personal"), japanese: "この項目がありません。本人の氏名・連絡先など紹介先に必要な情報を \"personal\": {...} に書いてください。",
                                        english: "is missing: put the person's details the destination needs there"))
        } else if personalObject == nil {
            problems.append(FileProblem(.field("personal"), japanese: "JSONオブジェクト {...} にしてください。",
                                        english: "must be a JSON object"))
        }
        if let routingObject {
            var check = JSONRoutingCheck(reader: self, routing: routingObject)
            problems += check.problems()
        }
        guard problems.isEmpty, let routingObject, let personalObject else { throw RejectionReason(problems) }
        let routingBytes: [UInt8]
        let personal: [UInt8]
        do {
            routingBytes = Array(try JSONSerialization.data(withJSONObject: routingObject, options: [.fragmentsAllowed]))
            personal = Array(try JSONSerialization.data(withJSONObject: personalObject, options: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw RejectionReason(japanese: "ファイルのJSONを読み取れません。", english: "the file's JSON cannot be read: \(error.localizedDescription)")
        }
        let routing: Routing
        do {
            routing = try Routing.decode(json: routingBytes)
        } catch {
            // The field checks above name each field; this is what they do not know of.
            throw RejectionReason(japanese: "送付の情報（routing）が受け付けられません: \(error.message)", english: error.message)
        }
        if let problem = personalSizeProblem(personal.count, place: .field("personal")) { throw RejectionReason([problem]) }
        return Referral(routing: routing, personal: personal)
    }

    func personalSizeProblem(_ size: Int, place: FileProblem.Place) -> FileProblem? {
        guard size > Limits.personalBytes else { return nil }
        return FileProblem(place, japanese: "本人の情報が \(size) バイトあります。\(Limits.personalBytes) バイト以下にしてください（備考を短くするなど）。",
                           english: "the personal part is \(size) bytes; at most \(Limits.personalBytes) are allowed")
    }

    /// The sentence for a destination that is not a registered agency, or is this agency itself.
    func destinationProblem(_ to: AgencyID) -> (japanese: String, english: String)? {
        if to == agency {
            return ("紹介先が自分の機関（\(agency)）になっています。紹介する相手の機関IDを書いてください。",
                    "is this agency itself (\(agency)): write the agency you refer the person to")
        }
        if let knownDestinations, !knownDestinations.contains(to) {
            return ("「\(to)」は登録簿にない機関です。綴りを確かめてください（例: saposute.kochi）。",
                    "\(to) is not an agency in the registry: check the spelling (e.g. saposute.kochi)")
        }
        return nil
    }
}

/// Checks every field of a JSON document's routing part and says, for each one that is wrong,
/// what to write instead, so that one round of fixes is enough.
struct JSONRoutingCheck {
    let reader: ReferralFileReader
    let routing: [String: Any]
    private var found: [FileProblem] = []

    init(reader: ReferralFileReader, routing: [String: Any]) {
        self.reader = reader
        self.routing = routing
    }

    private mutating func add(_ path: String, _ japanese: String, _ english: String) {
        found.append(FileProblem(.field("routing." + path), japanese: japanese, english: english))
    }

    /// The text at `path` (a.b for nested), or nil after recording that it is missing or not text.
    private mutating func text(_ path: String, example: String, optional: Bool = false) -> String? {
        var value: Any? = routing
        for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
        if value == nil || value is NSNull {
            if !optional {
                add(path, "この項目がありません。\(example) のように書いてください。", "is missing: write it, e.g. \(example)")
            }
            return nil
        }
        guard let text = value as? String else {
            add(path, "文字列にしてください（例: \(example)）。", "must be a string, e.g. \(example)")
            return nil
        }
        return text
    }

    mutating func problems() -> [FileProblem] {
        if let id = text("id", example: "\"PS-2026-0012\""), ReferralID(rawValue: id) == nil {
            add("id", "「\(id.prefix(80))」は紹介IDに使えません。半角英数字と . _ : - で1〜64文字にしてください（例: \"PS-2026-0012\"）。",
                "'\(id.prefix(80))' is not a referral id: use 1-64 ASCII letters, digits, '.', '_', ':' or '-', e.g. \"PS-2026-0012\"")
        }
        if let from = text("from", example: "\"\(reader.agency)\""), from != reader.agency.rawValue {
            add("from", "「\(from.prefix(80))」ですが、このワーカーは \(reader.agency) の紹介を送ります。\"\(reader.agency)\" と書いてください。",
                "is \(from.prefix(80)) but this worker sends for \(reader.agency): write \"\(reader.agency)\"")
        }
        if let to = text("to", example: "\"saposute.kochi\"") {
            if let destination = AgencyID(rawValue: to) {
                if let problem = reader.destinationProblem(destination) { add("to", problem.japanese, problem.english) }
            } else {
                add("to", "「\(to.prefix(80))」は機関IDではありません。\"saposute.kochi\" のように書いてください。",
                    "'\(to.prefix(80))' is not an agency id: write one such as \"saposute.kochi\"")
            }
        }
        let created = text("created_at", example: "\"2026-11-27T09:30:00+09:00\"")
        var createdDay: CivilDate?
        if let created {
            if let moment = Routing.parseTimestamp(created) {
                createdDay = CivilDate(moment, in: .japan)
            } else {
                add("created_at", "「\(created.prefix(40))」は日時として読めません。\"2026-11-27T09:30:00+09:00\" のように時差（+09:00）まで書いてください。",
                    "'\(created.prefix(40))' is not an ISO 8601 time with offset: write e.g. \"2026-11-27T09:30:00+09:00\"")
            }
        }
        if let needs = routing["needs"] {
            let words = needs as? [Any] ?? []
            let unknown = words.filter { ($0 as? String).flatMap(Need.init(rawValue:)) == nil }
            let allowed = Need.allCases.map(\.rawValue).joined(separator: ", ")
            if !(needs is [Any]) || words.isEmpty {
                add("needs", "一つ以上の支援ニーズの配列にしてください（例: [\"employment\"]）。使える値: \(allowed)",
                    "must be a list of at least one need, e.g. [\"employment\"]; needs are \(allowed)")
            } else if !unknown.isEmpty {
                add("needs", "\(unknown.map { "「\($0)」" }.joined()) は支援ニーズではありません。使える値: \(allowed)",
                    "holds \(unknown.map { "'\($0)'" }.joined(separator: ", ")), not a need; needs are \(allowed)")
            } else if Set(words.compactMap { $0 as? String }).count != words.count {
                add("needs", "同じ支援ニーズが二度書かれています。一度だけ書いてください。", "lists a need twice: list each once")
            }
        } else {
            add("needs", "この項目がありません。[\"employment\"] のように書いてください。", "is missing: write it, e.g. [\"employment\"]")
        }
        let ages = AgeBand.allCases.map(\.rawValue).joined(separator: ", ")
        if let age = text("age_band", example: "\"20s\""), AgeBand(rawValue: age) == nil {
            add("age_band", "「\(age.prefix(40))」は年代ではありません。使える値: \(ages)", "'\(age.prefix(40))' is not an age band: write one of \(ages)")
        }
        let sexes = Sex.allCases.map(\.rawValue).joined(separator: ", ")
        if let sex = text("sex", example: "\"female\""), Sex(rawValue: sex) == nil {
            add("sex", "「\(sex.prefix(40))」は性別の値ではありません。使える値: \(sexes)", "'\(sex.prefix(40))' is not one of \(sexes)")
        }
        if let municipality = text("municipality", example: "\"須崎市\"") { checkShortText(municipality, "municipality", example: "\"須崎市\"") }
        if routing["consent"] != nil, !(routing["consent"] is [String: Any]) {
            add("consent", "JSONオブジェクト {\"basis\": …, \"obtained_on\": …, \"recorded_by\": …} にしてください。",
                "must be an object {\"basis\": …, \"obtained_on\": …, \"recorded_by\": …}")
        } else {
            let bases = ConsentBasis.allCases.map(\.rawValue).joined(separator: ", ")
            if let basis = text("consent.basis", example: "\"person\""), ConsentBasis(rawValue: basis) == nil {
                add("consent.basis", "「\(basis.prefix(40))」は同意の根拠ではありません。使える値: \(bases)", "'\(basis.prefix(40))' is not a consent basis: write one of \(bases)")
            }
            if let obtained = text("consent.obtained_on", example: "\"2026-11-20\"") {
                if let day = CivilDate(obtained) {
                    if let createdDay, day > createdDay {
                        add("consent.obtained_on", "同意取得日（\(day)）が作成日（\(createdDay)）より後です。同意は紹介の前に得てください。",
                            "\(day) is after the referral was created (\(createdDay)): consent must come first")
                    }
                } else {
                    add("consent.obtained_on", "「\(obtained.prefix(40))」は日付ではありません。\"2026-11-20\" のように書いてください。",
                        "'\(obtained.prefix(40))' is not a date: write e.g. \"2026-11-20\"")
                }
            }
            if let recorder = text("consent.recorded_by", example: "\"相談員A\"") { checkShortText(recorder, "consent.recorded_by", example: "\"相談員A\"") }
        }
        if let due = text("due_date", example: "\"2026-12-02\"", optional: true) {
            if let day = CivilDate(due) {
                if let createdDay, day < createdDay {
                    add("due_date", "応答期限（\(day)）が作成日（\(createdDay)）より前です。作成日以降の日付にしてください。",
                        "\(day) is before the referral was created (\(createdDay)): give a later date")
                }
            } else {
                add("due_date", "「\(due.prefix(40))」は日付ではありません。\"2026-12-02\" のように書くか、省いてください。",
                    "'\(due.prefix(40))' is not a date: write e.g. \"2026-12-02\", or leave it out")
            }
        }
        return found
    }

    private mutating func checkShortText(_ text: String, _ path: String, example: String) {
        if text.isBlank {
            add(path, "空欄です。\(example) のように書いてください。", "is empty: write it, e.g. \(example)")
        } else if text.unicodeScalars.count > Limits.shortText {
            add(path, "\(text.unicodeScalars.count) 文字あります。\(Limits.shortText) 文字以下にしてください。",
                "is \(text.unicodeScalars.count) characters; at most \(Limits.shortText) are allowed")
        }
    }
}
