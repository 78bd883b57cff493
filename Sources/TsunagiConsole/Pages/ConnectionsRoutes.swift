import Foundation
import Hummingbird
import TsunagiWeb

/// 接続状況: `GET /connections`. Asks the router's metrics server, and says so on the page when it
/// cannot be reached rather than guessing.
struct ConnectionsRoutes: Sendable {
    let site: WebSite
    let data: ConsoleData
    let routerStatus: RouterStatusClient

    func add(to group: RouterGroup<WebContext>) {
        group.get("/connections") { request, context in
            let status = await routerStatus.fetch()
            let data = data
            let model = try await StoreWork.run { try ConnectionsModel.build(data: data, router: status) }
            var values: [String: Any] = ["rows": model.rows, "connectedCount": model.connectedCount,
                                         "notConnectedCount": model.notConnectedCount]
            if let problem = model.routerProblem { values["routerProblem"] = problem }
            return await site.page(WebPage(title: "接続状況", template: "console.connections", values: values),
                                   request: request, context: context)
        }
    }
}
