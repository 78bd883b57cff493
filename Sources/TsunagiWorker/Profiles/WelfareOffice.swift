import TsunagiCore

extension AgencyProfile {
    /// 福祉保健所 / 福祉事務所: consultations by channel 来所 / 電話 / 訪問 (a column of its own); the
    /// outcome says what came of the hand-off.
    public static let welfareOffice = AgencyProfile(
        kind: "welfare-office", japaneseName: "福祉保健所", caseNumberHeading: "ケース番号",
        extraColumns: [ProfileColumn(heading: "相談経路", key: "channel", allowedValues: ["来所", "電話", "訪問"])],
        outcomes: ["支援開始", "医療につながった", "他機関へつなぎ", "支援終結"],
        typicalDestinations: [AgencyID("regional-support-center"), AgencyID("peer-support.kochi"), AgencyID("municipality.susaki")],
        defaultAckDueBusinessDays: 2)
}
