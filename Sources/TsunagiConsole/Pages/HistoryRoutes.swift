import Foundation
import Hummingbird
import TsunagiCore
import TsunagiWeb

/// 紹介の履歴: `GET /referrals/{id}`.
struct HistoryRoutes: Sendable {
    let site: WebSite
    let data: ConsoleData

    func add(to group: RouterGroup<WebContext>) {
        group.get("/referrals/{id}") { request, context in
            let text = context.parameters.get("id") ?? ""
            let back = NavItem(href: "/", label: "未応答の紹介へ戻る")
            guard let id = ReferralID(rawValue: text) else {
                return await site.messagePage(
                    title: "紹介の履歴", message: "「\(text.prefix(80))」は紹介IDの形になっていません（例: SK-20261202-01）。",
                    status: .badRequest, link: back, request: request, context: context)
            }
            let data = data
            guard let model = try await StoreWork.run({ try HistoryModel.build(id: id, data: data) }) else {
                return await site.messagePage(
                    title: "紹介の履歴", message: "紹介 \(id) はルーターの記録にありません。IDを確かめてください。",
                    status: .notFound, link: back, request: request, context: context)
            }
            return await site.page(WebPage(title: "紹介の履歴 \(model.id)", template: "console.history",
                                           values: ["facts": model.facts, "events": model.events, "overdue": model.overdue]),
                                   request: request, context: context)
        }
    }
}
