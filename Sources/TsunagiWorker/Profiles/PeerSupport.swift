import TsunagiCore

extension AgencyProfile {
    /// 高知ひきこもりピアサポートセンター: consultations by channel (a column of its own, including outreach
    /// peer sessions); the outcome says what came of the hand-off.
    public static let peerSupport = AgencyProfile(
        kind: "peer-support", japaneseName: "ピアサポートセンター", caseNumberHeading: "相談番号",
        extraColumns: [ProfileColumn(heading: "相談経路", key: "channel", allowedValues: ["来所", "電話", "出張ピア相談会"])],
        outcomes: ["継続相談", "居場所の利用", "他機関へつなぎ"],
        typicalDestinations: [AgencyID("saposute.kochi"), AgencyID("regional-support-center"), AgencyID("welfare-office.chuo-east")],
        defaultAckDueBusinessDays: 3)
}
