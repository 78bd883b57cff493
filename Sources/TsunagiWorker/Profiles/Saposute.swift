import TsunagiCore

extension AgencyProfile {
    /// 若者サポートステーション: registrations by age band, outcomes 就職 / 修学 / 職場体験.
    public static let saposute = AgencyProfile(
        kind: "saposute", japaneseName: "若者サポートステーション", caseNumberHeading: "登録番号",
        extraColumns: [ProfileColumn(heading: "支援コース", key: "track", allowedValues: ["一般", "40代"])],
        outcomes: ["就職", "修学", "職場体験"],
        typicalDestinations: [AgencyID("employment-base.chubu"), AgencyID("peer-support.kochi")],
        defaultAckDueBusinessDays: 3)
}
