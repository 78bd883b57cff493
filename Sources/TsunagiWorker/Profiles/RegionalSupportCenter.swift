import TsunagiCore

extension AgencyProfile {
    /// ひきこもり地域支援センター (inside 精神保健福祉センター): prefecture-wide consultations.
    public static let regionalSupportCenter = AgencyProfile(
        kind: "regional-support-center", japaneseName: "ひきこもり地域支援センター", caseNumberHeading: "相談番号",
        extraColumns: [ProfileColumn(heading: "相談経路", key: "channel", allowedValues: ["来所", "電話", "訪問"])],
        outcomes: ["継続支援", "医療につながった", "他機関へつなぎ"],
        typicalDestinations: [AgencyID("peer-support.kochi"), AgencyID("saposute.kochi"), AgencyID("welfare-office.chuo-east")],
        defaultAckDueBusinessDays: 3)
}
