import Foundation
import Hummingbird
import TsunagiWeb

/// 未応答の紹介: `GET /` (the page, filtered by its GET form) and `GET /unacknowledged/live` (the
/// count and table alone, which the live script swaps in every few seconds).
struct UnacknowledgedRoutes: Sendable {
    let site: WebSite
    let data: ConsoleData

    func add(to group: RouterGroup<WebContext>) {
        group.get("/") { request, context in
            let model = try await build(request)
            var values = values(model)
            values["liveURL"] = "/unacknowledged/live" + (model.filter.queryString.isEmpty ? "" : "?" + model.filter.queryString)
            for (field, sentence) in model.filter.errors { values[field + "Error"] = sentence }
            let alert = model.filter.errors.isEmpty ? nil : "絞り込みの条件に読めないものがあります。各欄の説明を見てください。"
            return await site.page(WebPage(title: "未応答の紹介", template: "console.unacknowledged", values: values,
                                           status: model.filter.errors.isEmpty ? .ok : .badRequest, alert: alert),
                                   request: request, context: context)
        }
        group.get("/unacknowledged/live") { request, _ in
            WebResponse.html(site.renderer.render("console.unacknowledged.live", values(try await build(request))))
        }
    }

    private func build(_ request: Request) async throws -> UnacknowledgedModel {
        let filter = UnacknowledgedFilter(query: queryFields(request), data: data)
        let data = data
        return try await StoreWork.run { try UnacknowledgedModel.build(filter: filter, data: data) }
    }

    private func values(_ model: UnacknowledgedModel) -> [String: Any] {
        var values: [String: Any] = [
            // Rows as dictionaries: the template reads them without reflection, which matters at 200 rows.
            "rows": model.rows.map { row -> [String: Any] in
                ["id": row.id, "link": row.link, "fromName": row.fromName, "toName": row.toName, "region": row.region,
                 "needs": row.needs, "state": row.state, "createdDay": row.createdDay, "ageBusinessDays": row.ageBusinessDays,
                 "dueDay": row.dueDay, "dueText": row.dueText, "overdue": row.overdue]
            },
            "count": model.count, "overdueCount": model.overdueCount, "today": model.today,
            // A section only when there are some: "開封不能の1件を含みます".
            "undeliverable": model.undeliverableCount > 0 ? ["count": model.undeliverableCount] as Any : false as Any,
            "agencyOptions": model.agencyOptions, "regionOptions": model.regionOptions, "stateOptions": model.stateOptions,
            "overdueOnly": model.filter.overdueOnly,
        ]
        if model.previousPage != nil || model.nextPage != nil {
            var pager: [String: Any] = ["first": model.firstShown, "last": model.firstShown + model.rows.count - 1]
            if let previous = model.previousPage { pager["previous"] = previous }
            if let next = model.nextPage { pager["next"] = next }
            values["pager"] = pager
        }
        return values
    }
}
