import TsunagiCore

/// The order the prefecture's tables list agencies, regions and municipalities in, and the
/// Japanese words for agency kinds.
public enum AgencyOrder {
    /// Agency kinds as the seed document lists them: the four kinds that run a worker, then the
    /// other destinations. A kind not listed sorts after these, by name.
    public static let kinds = ["peer-support", "saposute", "employment-base", "welfare-office",
                               "regional-support-center", "municipality"]

    public static let kindLabels = [
        "peer-support": "ピアサポートセンター", "saposute": "若者サポートステーション", "employment-base": "就労体験拠点",
        "welfare-office": "福祉保健所", "regional-support-center": "ひきこもり地域支援センター", "municipality": "市町村",
    ]

    /// The welfare offices' areas from east to west, then the prefecture-wide agencies.
    public static let regions = ["安芸", "中央", "高幡", "幡多", "全県"]

    /// Kochi's 34 municipalities in the order of their local-government codes (39201 高知市 …
    /// 39428 黒潮町), the order the prefecture's tables use.
    public static let municipalities = [
        "高知市", "室戸市", "安芸市", "南国市", "土佐市", "須崎市", "宿毛市", "土佐清水市", "四万十市", "香南市", "香美市",
        "東洋町", "奈半利町", "田野町", "安田町", "北川村", "馬路村", "芸西村", "本山町", "大豊町", "土佐町", "大川村",
        "いの町", "仁淀川町", "中土佐町", "佐川町", "越知町", "梼原町", "日高村", "津野町", "四万十町", "大月町", "三原村",
        "黒潮町",
    ]

    /// A sort key: listed values in their listed order, then others by name, then the empty value
    /// (unknown) last.
    static func rank(_ value: String, in order: [String]) -> (Int, String) {
        if value.isEmpty { return (order.count + 1, "") }
        return (order.firstIndex(of: value) ?? order.count, value)
    }

    static func kindRank(_ kind: String) -> (Int, String) { rank(kind, in: kinds) }
    static func regionRank(_ region: String) -> (Int, String) { rank(region, in: regions) }
    static func municipalityRank(_ municipality: String) -> (Int, String) { rank(municipality, in: municipalities) }

    /// By kind, then region, then id: the order of the report's agency table.
    static func agencyPrecedes(_ lhs: (kind: String, region: String, id: AgencyID),
                               _ rhs: (kind: String, region: String, id: AgencyID)) -> Bool {
        let left = kindRank(lhs.kind), right = kindRank(rhs.kind)
        if left != right { return left < right }
        let leftRegion = regionRank(lhs.region), rightRegion = regionRank(rhs.region)
        if leftRegion != rightRegion { return leftRegion < rightRegion }
        return lhs.id < rhs.id
    }
}
