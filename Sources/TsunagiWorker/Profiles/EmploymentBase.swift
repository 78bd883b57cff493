import TsunagiCore

extension AgencyProfile {
    /// 就労体験拠点: participants and trainees, and 一般就労 (ordinary jobs) by sector.
    public static let employmentBase = AgencyProfile(
        kind: "employment-base", japaneseName: "就労体験拠点", caseNumberHeading: "利用者番号",
        extraColumns: [ProfileColumn(heading: "利用区分", key: "program", allowedValues: ["就労体験", "就労訓練"])],
        outcomes: ["一般就労:農業", "一般就労:林業", "一般就労:水産", "一般就労:食品", "一般就労:小売", "一般就労:介護", "就労訓練"],
        typicalDestinations: [AgencyID("saposute.kochi"), AgencyID("welfare-office.chuo-west")],
        defaultAckDueBusinessDays: 5)
}
