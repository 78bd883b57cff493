import Foundation
import TsunagiCore
import TsunagiStore

/// 接続状況: each registered agency's worker (connected, not connected, never connected, as the
/// router says) beside what waits for it in the store.
struct ConnectionsModel: Sendable {
    struct Row: Sendable {
        let name: String
        let region: String
        /// 接続中 / 未接続 / 接続したことがない / 不明 (router not reachable) / ワーカーなし.
        let status: String
        let problem: Bool
        let since: String
        let lastSeen: String
        let submitted: Int
        let delivered: Int
        /// "12", or "1000以上" past the count's limit.
        let statusUpdates: String
        let oldest: String
    }

    let rows: [Row]
    /// Set when the router could not be asked: the page says so instead of guessing.
    let routerProblem: String?
    let connectedCount: Int
    let notConnectedCount: Int

    static func build(data: ConsoleData, router: RouterStatus) throws -> ConnectionsModel {
        let agencies = data.orderedAgencies
        let backlogs = try data.reader.destinationBacklogs(agencies: agencies.map(\.id))
        var problem: String?
        var connections: [AgencyID: AgencyConnection] = [:]
        var startedAt: String?
        switch router {
        case .reachable(let list, let started):
            connections = list
            startedAt = started
        case .unreachable(let sentence): problem = sentence
        }
        let rows = agencies.map { entry in
            let backlog = backlogs[entry.id] ?? DestinationBacklog(agency: entry.id)
            let connection = connections[entry.id]
            let status: String
            var isProblem = false
            if !entry.runsWorker {
                status = "ワーカーなし（受け手のみ）"
            } else if problem != nil {
                status = "不明"
            } else if let connection, connection.connected {
                status = "接続中"
            } else if connection == nil || connection?.neverConnected == true {
                status = startedAt.map { "接続したことがない（ルーター起動 \(JapaneseLabels.japanTime($0)) 以降）" } ?? "接続したことがない"
                isProblem = true
            } else {
                status = "未接続"
                isProblem = true
            }
            return Row(name: entry.name, region: entry.region, status: status, problem: isProblem,
                       since: connection?.since.map(JapaneseLabels.japanTime) ?? "",
                       lastSeen: connection?.lastSeen.map(JapaneseLabels.japanTime) ?? "",
                       submitted: backlog.submitted, delivered: backlog.delivered, statusUpdates: backlog.statusUpdates >= DestinationBacklog.statusUpdateCountLimit
                           ? "\(backlog.statusUpdates)以上" : "\(backlog.statusUpdates)",
                       oldest: backlog.oldestCreatedDay?.description ?? "")
        }
        let workers = rows.filter { !$0.status.hasPrefix("ワーカーなし") }
        return ConnectionsModel(
            rows: rows, routerProblem: problem, connectedCount: workers.filter { $0.status == "接続中" }.count,
            notConnectedCount: workers.filter(\.problem).count)
    }
}
