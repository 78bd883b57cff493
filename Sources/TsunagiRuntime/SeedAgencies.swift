import TsunagiCore

/// The agencies of Kochi Prefecture's network as the seed document names them (product.md §1):
/// the default registry of `tsunagi init` and of config/agencies.toml.
public enum SeedAgencies {
    public struct Entry: Sendable {
        public let id: AgencyID
        public let kind: String
        public let name: String
        public let region: String
        public let ackDueBusinessDays: Int
    }

    public static let all: [Entry] = [
        Entry(id: AgencyID("peer-support.kochi"), kind: "peer-support", name: "高知ひきこもりピアサポートセンター（本部）", region: "中央", ackDueBusinessDays: 3),
        Entry(id: AgencyID("peer-support.hata"), kind: "peer-support", name: "高知ひきこもりピアサポートセンター 幡多サテライト", region: "幡多", ackDueBusinessDays: 3),
        Entry(id: AgencyID("saposute.kochi"), kind: "saposute", name: "こうち若者サポートステーション", region: "中央", ackDueBusinessDays: 3),
        Entry(id: AgencyID("saposute.nankoku"), kind: "saposute", name: "なんこく若者サポートステーション", region: "中央", ackDueBusinessDays: 3),
        Entry(id: AgencyID("employment-base.chubu"), kind: "employment-base", name: "就労体験拠点 中部（NPO法人ブルースター）", region: "中央", ackDueBusinessDays: 5),
        Entry(id: AgencyID("employment-base.tobu"), kind: "employment-base", name: "就労体験拠点 東部（高知県知的障害者育成会）", region: "中央", ackDueBusinessDays: 5),
        Entry(id: AgencyID("employment-base.seibu"), kind: "employment-base", name: "就労体験拠点 西部（NPO法人幡多ウェルフェアネット）", region: "幡多", ackDueBusinessDays: 5),
        Entry(id: AgencyID("welfare-office.aki"), kind: "welfare-office", name: "安芸福祉保健所", region: "安芸", ackDueBusinessDays: 2),
        Entry(id: AgencyID("welfare-office.chuo-east"), kind: "welfare-office", name: "中央東福祉保健所", region: "中央", ackDueBusinessDays: 2),
        Entry(id: AgencyID("welfare-office.chuo-west"), kind: "welfare-office", name: "中央西福祉保健所", region: "中央", ackDueBusinessDays: 2),
        Entry(id: AgencyID("welfare-office.susaki"), kind: "welfare-office", name: "須崎福祉保健所", region: "高幡", ackDueBusinessDays: 2),
        Entry(id: AgencyID("welfare-office.hata"), kind: "welfare-office", name: "幡多福祉保健所", region: "幡多", ackDueBusinessDays: 2),
        Entry(id: AgencyID("regional-support-center"), kind: "regional-support-center", name: "ひきこもり地域支援センター（精神保健福祉センター）", region: "全県", ackDueBusinessDays: 3),
        Entry(id: AgencyID("municipality.susaki"), kind: "municipality", name: "須崎市 健康推進課", region: "高幡", ackDueBusinessDays: 3),
        Entry(id: AgencyID("municipality.kochi"), kind: "municipality", name: "高知市", region: "中央", ackDueBusinessDays: 3),
    ]

    /// The agencies that run a worker executable of their own kind.
    public static var withWorkers: [Entry] {
        all.filter { ["peer-support", "saposute", "employment-base", "welfare-office"].contains($0.kind) }
    }
}
