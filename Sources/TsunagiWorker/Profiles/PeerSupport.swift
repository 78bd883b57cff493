import TsunagiCore

extension AgencyProfile {
    /// 高知ひきこもりピアサポートセンター: consultations by channel, including outreach peer sessions.
    public static let peerSupport = AgencyProfile(
        kind: "peer-support", japaneseName: "ピアサポートセンター", caseNumberHeading: "相談番号",
        extraColumns: [ProfileColumn(heading: "相談経路", key: "channel", allowedValues: ["来所", "電話", "出張ピア相談会"])],
        outcomes: ["来所", "電話", "出張ピア相談会"],
        typicalDestinations: [AgencyID("saposute.kochi"), AgencyID("regional-support-center"), AgencyID("welfare-office.chuo-east")],
        defaultAckDueBusinessDays: 3)
}
