import Foundation
import TsunagiCore

/// Why an outbox file cannot be sent, in words staff can act on: which row, which field, what to do.
public struct RejectionReason: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads the files staff or case software drop into the outbox: a JSON referral document
/// `{"routing": {...}, "personal": {...}}`, or a CSV in the agency kind's own Japanese headings.
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

    /// Routing headings shared by every kind, with the routing field each one fills.
    public static let routingHeadings: [(heading: String, field: String, required: Bool)] = [
        ("紹介ID", "id", true),
        ("紹介先", "to", true),
        ("作成日時", "created_at", true),
        ("支援ニーズ", "needs", true),
        ("年代", "age_band", true),
        ("性別", "sex", true),
        ("市町村", "municipality", true),
        ("同意の根拠", "consent.basis", true),
        ("同意取得日", "consent.obtained_on", true),
        ("同意記録者", "consent.recorded_by", true),
        ("応答期限", "due_date", false),
    ]

    /// Japanese words accepted in the CSV for the routing vocabularies (the English values work too).
    static let needWords: [String: Need] = [
        "就労": .employment, "居場所": .placeToBelong, "医療": .medical, "精神保健": .mentalHealth,
        "メンタルヘルス": .mentalHealth, "家族支援": .familySupport, "生活支援": .livingSupport, "修学": .schooling,
        "就学": .schooling, "その他": .other,
    ]
    static let ageWords: [String: AgeBand] = Dictionary(uniqueKeysWithValues: AgeBand.allCases.map { ($0.japaneseLabel, $0) })
    static let sexWords: [String: Sex] = ["女性": .female, "女": .female, "男性": .male, "男": .male, "その他": .other, "不明": .unknown]
    static let consentWords: [String: ConsentBasis] = [
        "本人": .person, "本人同意": .person, "保護者": .guardian, "保護者同意": .guardian, "支援会議": .supportMeeting,
        "生命・身体の保護": .vitalInterest, "生命身体の保護": .vitalInterest,
    ]

    /// Reads one outbox file. `name` decides the format (`.csv`, else JSON).
    public func read(_ data: Data, name: String) throws(RejectionReason) -> [Referral] {
        let referrals = name.lowercased().hasSuffix(".csv") ? try readCSV(data) : [try readJSON(data)]
        var seen: Set<ReferralID> = []
        for referral in referrals where !seen.insert(referral.id).inserted {
            throw RejectionReason("referral id \(referral.id) appears twice in this file: each referral needs its own id")
        }
        return referrals
    }

    // MARK: JSON

    func readJSON(_ data: Data) throws(RejectionReason) -> Referral {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw RejectionReason("the file is not valid JSON: a referral document is {\"routing\": {...}, \"personal\": {...}}")
        }
        guard let document = object as? [String: Any] else {
            throw RejectionReason("the file holds JSON but not an object: a referral document is {\"routing\": {...}, \"personal\": {...}}")
        }
        guard let routingObject = document["routing"] else {
            throw RejectionReason("the field 'routing' is missing: a referral document is {\"routing\": {...}, \"personal\": {...}}")
        }
        guard let personalObject = document["personal"] else {
            throw RejectionReason("the field 'personal' is missing: put the person's details the destination needs there")
        }
        guard personalObject is [String: Any] else {
            throw RejectionReason("the field 'personal' must be a JSON object")
        }
        let routingBytes: [UInt8]
        let personal: [UInt8]
        do {
            routingBytes = Array(try JSONSerialization.data(withJSONObject: routingObject, options: [.fragmentsAllowed]))
            personal = Array(try JSONSerialization.data(withJSONObject: personalObject, options: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw RejectionReason("the file's JSON cannot be read: \(error.localizedDescription)")
        }
        return try check(routingBytes: routingBytes, personal: personal, place: "")
    }

    // MARK: CSV

    func readCSV(_ data: Data) throws(RejectionReason) -> [Referral] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw RejectionReason("the CSV file is not UTF-8 text: save it as CSV UTF-8 (with or without BOM)")
        }
        let table: CSVTable
        do {
            table = try CSVTable(text: text)
        } catch {
            throw RejectionReason("line \(error.line): \(error.message)")
        }
        guard let header = table.rows.first else {
            throw RejectionReason("the CSV file is empty: its first line must name the columns (紹介ID, 紹介先, …)")
        }
        let headings = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for (position, heading) in headings.enumerated() where !heading.isEmpty {
            if index[heading] != nil {
                throw RejectionReason("line 1: the column \(heading) appears twice")
            }
            index[heading] = position
        }
        let known = Set(Self.routingHeadings.map(\.heading) + profile.personalColumns.map(\.heading) + ["紹介元"])
        if let unknown = headings.first(where: { !$0.isEmpty && !known.contains($0) }) {
            throw RejectionReason("line 1: the column \(unknown) is not one of this agency kind's columns (\(profile.kind)): expected \(Self.routingHeadings.map(\.heading).joined(separator: ", ")), \(profile.personalColumns.map(\.heading).joined(separator: ", "))")
        }
        for column in Self.routingHeadings where column.required && index[column.heading] == nil {
            throw RejectionReason("line 1: the column \(column.heading) (\(column.field)) is missing")
        }
        let rows = table.rows.dropFirst()
        guard !rows.isEmpty else {
            throw RejectionReason("the CSV file has headings but no referral rows")
        }
        var referrals: [Referral] = []
        for row in rows {
            referrals.append(try readRow(row.fields, line: row.line, index: index, columnCount: headings.count))
        }
        return referrals
    }

    func readRow(_ fields: [String], line: Int, index: [String: Int], columnCount: Int) throws(RejectionReason) -> Referral {
        let place = "row on line \(line): "
        guard fields.count == columnCount else {
            throw RejectionReason("\(place)it has \(fields.count) fields but the heading line names \(columnCount) columns")
        }
        func value(_ heading: String) -> String {
            index[heading].map { fields[$0].trimmingCharacters(in: .whitespaces) } ?? ""
        }
        if !value("紹介元").isEmpty, value("紹介元") != agency.rawValue {
            throw RejectionReason("\(place)紹介元 is \(value("紹介元")) but this worker sends for \(agency)")
        }
        var needs: [String] = []
        for word in value("支援ニーズ").split(whereSeparator: { "・、;|/".contains($0) }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !word.isEmpty {
            guard let need = Self.needWords[word] ?? Need(rawValue: word) else {
                throw RejectionReason("\(place)支援ニーズ: '\(word)' is not a need; use \(Self.needWords.keys.sorted().joined(separator: ", ")) separated by ・")
            }
            needs.append(need.rawValue)
        }
        let ageText = value("年代")
        guard let age = Self.ageWords[ageText] ?? AgeBand(rawValue: ageText) else {
            throw RejectionReason("\(place)年代: '\(ageText)' is not an age band; use \(AgeBand.allCases.map(\.japaneseLabel).joined(separator: ", "))")
        }
        let sexText = value("性別")
        guard let sex = Self.sexWords[sexText] ?? Sex(rawValue: sexText) else {
            throw RejectionReason("\(place)性別: '\(sexText)' is not one of 女性, 男性, その他, 不明")
        }
        let basisText = value("同意の根拠")
        guard let basis = Self.consentWords[basisText] ?? ConsentBasis(rawValue: basisText) else {
            throw RejectionReason("\(place)同意の根拠: '\(basisText)' is not a consent basis; use 本人, 保護者, 支援会議 or 生命・身体の保護")
        }
        var routing: [String: Any] = [
            "id": value("紹介ID"), "from": agency.rawValue, "to": value("紹介先"), "created_at": value("作成日時"),
            "needs": needs, "age_band": age.rawValue, "sex": sex.rawValue, "municipality": value("市町村"),
            "consent": ["basis": basis.rawValue, "obtained_on": value("同意取得日"), "recorded_by": value("同意記録者")],
        ]
        if !value("応答期限").isEmpty { routing["due_date"] = value("応答期限") }
        var personal: [String: String] = [:]
        for column in profile.personalColumns {
            let text = value(column.heading)
            guard !text.isEmpty else { continue }
            if !column.allowedValues.isEmpty, !column.allowedValues.contains(text) {
                throw RejectionReason("\(place)\(column.heading): '\(text)' is not one of \(column.allowedValues.joined(separator: ", "))")
            }
            personal[column.key] = text
        }
        let routingBytes: [UInt8]
        let personalBytes: [UInt8]
        do {
            routingBytes = Array(try JSONSerialization.data(withJSONObject: routing))
            personalBytes = Array(try JSONSerialization.data(withJSONObject: personal, options: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw RejectionReason("\(place)cannot be turned into a referral: \(error.localizedDescription)")
        }
        return try check(routingBytes: routingBytes, personal: personalBytes, place: place, csvNames: true)
    }

    // MARK: Checks shared by both formats

    func check(routingBytes: [UInt8], personal: [UInt8], place: String, csvNames: Bool = false) throws(RejectionReason) -> Referral {
        let routing: Routing
        do {
            routing = try Routing.decode(json: routingBytes)
        } catch {
            throw RejectionReason(place + (csvNames ? Self.withHeadings(error.message) : error.message))
        }
        guard personal.count <= Limits.personalBytes else {
            throw RejectionReason("\(place)the personal part is \(personal.count) bytes; at most \(Limits.personalBytes) are allowed")
        }
        guard routing.from == agency else {
            throw RejectionReason("\(place)routing.from is \(routing.from) but this worker sends for \(agency): a referral is sent by its own agency")
        }
        if let knownDestinations, !knownDestinations.contains(routing.to) {
            throw RejectionReason("\(place)\(csvNames ? "紹介先" : "routing.to") \(routing.to) is not an agency in the registry: check the spelling (e.g. saposute.kochi)")
        }
        return Referral(routing: routing, personal: personal)
    }

    /// Names CSV columns, not JSON fields, in a validation message.
    static func withHeadings(_ message: String) -> String {
        var text = message
        for column in routingHeadings.sorted(by: { $0.field.count > $1.field.count }) {
            text = text.replacingOccurrences(of: "routing.\(column.field)", with: "\(column.heading) (\(column.field))")
        }
        return text
    }
}
