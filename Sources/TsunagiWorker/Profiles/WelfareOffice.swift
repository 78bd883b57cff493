import TsunagiCore

extension AgencyProfile {
    /// 福祉保健所 / 福祉事務所: consultations by channel 来所 / 電話 / 訪問.
    public static let welfareOffice = AgencyProfile(
        kind: "welfare-office", japaneseName: "福祉保健所", caseNumberHeading: "ケース番号",
        extraColumns: [ProfileColumn(heading: "相談経路", key: "channel", allowedValues: ["来所", "電話", "訪問"])],
        outcomes: ["来所", "電話", "訪問"],
        typicalDestinations: [AgencyID("regional-support-center"), AgencyID("peer-support.kochi"), AgencyID("municipality.susaki")],
        defaultAckDueBusinessDays: 2)
}
