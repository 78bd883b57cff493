import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TsunagiCore

/// The router's account of each registered agency's connection, from its metrics server's
/// `/agencies` (router.toml `[metrics] listen`).
struct AgencyConnection: Sendable, Equatable {
    let agency: AgencyID
    let connected: Bool
    /// When the current connection began (ISO 8601); nil while not connected.
    let since: String?
    let lastSeen: String?
    let neverConnected: Bool
}

enum RouterStatus: Sendable, Equatable {
    /// Each agency's connection, and when the router started ("never connected" means: not since then).
    case reachable([AgencyID: AgencyConnection], routerStartedAt: String?)
    /// Why the console could not ask, in words for the page.
    case unreachable(String)
}

/// Asks the router's metrics server which agencies are connected.
struct RouterStatusClient: Sendable {
    /// nil: the router's metrics server is off, so there is no one to ask.
    let baseURL: String?
    var timeout: TimeInterval = 2

    func fetch() async -> RouterStatus {
        guard let baseURL else {
            return .unreachable("router.toml の [metrics] listen が off のため、ルーターに問い合わせる先がありません。")
        }
        guard let url = URL(string: baseURL + "/agencies") else {
            return .unreachable("接続状況の問い合わせ先 \(baseURL) が URL になっていません。router.toml の [metrics] listen を確かめてください。")
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (body, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                return .unreachable("ルーター（\(url.absoluteString)）が状態 \(status) を返しました。ルーターの版と設定を確かめてください。")
            }
            guard let (connections, started) = Self.decode(body) else {
                return .unreachable("ルーター（\(url.absoluteString)）の答えが読めませんでした。ルーターの版を確かめてください。")
            }
            return .reachable(Dictionary(connections.map { ($0.agency, $0) }, uniquingKeysWith: { first, _ in first }),
                              routerStartedAt: started)
        } catch {
            return .unreachable("ルーター（\(url.absoluteString)）に接続できません。ルーターが動いているか、router.toml の [metrics] listen を確かめてください。")
        }
    }

    /// `{"router_started_at": …, "agencies": [{"agency": "saposute.kochi", "connected": true,
    /// "connected_since": …, "last_seen": …, "never_connected": false, …}, …]}`; times ISO 8601.
    static func decode(_ body: Data) -> ([AgencyConnection], String?)? {
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let list = json["agencies"] as? [[String: Any]] else { return nil }
        let connections = list.compactMap { entry -> AgencyConnection? in
            guard let text = entry["agency"] as? String, let agency = AgencyID(rawValue: text) else { return nil }
            let connected = entry["connected"] as? Bool ?? false
            let lastSeen = entry["last_seen"] as? String
            let never = entry["never_connected"] as? Bool ?? (!connected && lastSeen == nil)
            return AgencyConnection(agency: agency, connected: connected, since: entry["connected_since"] as? String,
                                    lastSeen: lastSeen, neverConnected: never)
        }
        return (connections, json["router_started_at"] as? String)
    }
}
