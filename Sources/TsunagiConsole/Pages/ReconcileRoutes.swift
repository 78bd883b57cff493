import Foundation
import Hummingbird
import TsunagiWeb

/// 突合: `GET /reconcile`.
struct ReconcileRoutes: Sendable {
    static let nights = 14
    let site: WebSite
    let data: ConsoleData

    func add(to group: RouterGroup<WebContext>) {
        group.get("/reconcile") { request, context in
            let data = data
            let model = try await StoreWork.run { ReconcileModel.build(data: data, nights: Self.nights) }
            var values: [String: Any] = ["nights": model.nights, "folder": model.folder, "limit": Self.nights]
            if !model.unreadable.isEmpty { values["unreadable"] = model.unreadable.joined(separator: "、") }
            return await site.page(WebPage(title: "突合", template: "console.reconcile", values: values),
                                   request: request, context: context)
        }
    }
}
