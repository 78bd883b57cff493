import TsunagiCore

extension AgencyProfile {
    /// 市町村 (e.g. 須崎市 健康推進課, 高知市): consultations by channel, cases handed on or closed.
    public static let municipality = AgencyProfile(
        kind: "municipality", japaneseName: "市町村", caseNumberHeading: "ケース番号",
        extraColumns: [ProfileColumn(heading: "相談経路", key: "channel", allowedValues: ["来所", "電話", "訪問"])],
        outcomes: ["支援開始", "医療につながった", "他機関へつなぎ", "支援終結"],
        typicalDestinations: [AgencyID("welfare-office.susaki"), AgencyID("regional-support-center"), AgencyID("peer-support.kochi")],
        defaultAckDueBusinessDays: 3)
}
