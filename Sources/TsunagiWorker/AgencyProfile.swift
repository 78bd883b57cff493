import TsunagiCore

/// What one agency kind adds to the shared worker: the columns of its own case ledger (CSV,
/// Japanese headings), its outcome vocabulary, its usual destinations and its answer time.
/// A new kind is one file in Profiles/ defining a static instance.
public struct AgencyProfile: Sendable {
    /// The agency kind, as in agency ids (`saposute` for `saposute.kochi`).
    public let kind: String
    /// How the kind is called in the prefecture's tables.
    public let japaneseName: String
    /// The heading of the kind's own case number column (e.g. 登録番号 at a Saposute).
    public let caseNumberHeading: String
    /// Personal columns only this kind keeps, beyond name, contact, case number and note.
    public let extraColumns: [ProfileColumn]
    /// Words allowed as the outcome of `complete`.
    public let outcomes: [String]
    /// Where this kind usually hands people on; shown in help, never enforced.
    public let typicalDestinations: [AgencyID]
    /// Business days this kind usually takes to accept or decline.
    public let defaultAckDueBusinessDays: Int

    public init(kind: String, japaneseName: String, caseNumberHeading: String, extraColumns: [ProfileColumn],
                outcomes: [String], typicalDestinations: [AgencyID], defaultAckDueBusinessDays: Int) {
        self.kind = kind
        self.japaneseName = japaneseName
        self.caseNumberHeading = caseNumberHeading
        self.extraColumns = extraColumns
        self.outcomes = outcomes
        self.typicalDestinations = typicalDestinations
        self.defaultAckDueBusinessDays = defaultAckDueBusinessDays
    }

    /// Every kind that runs a worker, in the order the prefecture's tables list them.
    public static let all: [AgencyProfile] = [.peerSupport, .saposute, .employmentBase, .welfareOffice, .regionalSupportCenter, .municipality]

    /// The executable's name: `tsunagi-<kind>`.
    public var executableName: String { "tsunagi-\(kind)" }

    /// Every personal column of this kind's CSV, in the order the README documents.
    public var personalColumns: [ProfileColumn] {
        [ProfileColumn(heading: "氏名", key: "name"),
         ProfileColumn(heading: "連絡先", key: "contact"),
         ProfileColumn(heading: caseNumberHeading, key: "case_number")]
            + extraColumns
            + [ProfileColumn(heading: "備考", key: "note")]
    }
}

/// A personal column of a kind's CSV: its Japanese heading, the key it gets in the personal JSON,
/// and the values allowed in it (any, when empty).
public struct ProfileColumn: Sendable, Hashable {
    public let heading: String
    public let key: String
    public let allowedValues: [String]

    public init(heading: String, key: String, allowedValues: [String] = []) {
        self.heading = heading
        self.key = key
        self.allowedValues = allowedValues
    }
}

extension AgencyNames {
    /// The name with the id, where a line has room for both: the registry's name, or the kind's
    /// Japanese word when the registry does not know the agency (`若者サポートステーション（saposute.x）`).
    public func labelled(_ id: AgencyID, _ language: StaffLanguage) -> String {
        guard let name = registered(id) ?? AgencyProfile.all.first(where: { $0.kind == id.kind })?.japaneseName else { return id.rawValue }
        return language.pick("\(name)（\(id)）", "\(name) (\(id))")
    }
}
