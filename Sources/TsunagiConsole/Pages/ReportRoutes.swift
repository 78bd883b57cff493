import Foundation
import HTTPTypes
import Hummingbird
import TsunagiTools
import TsunagiWeb

/// 実績: `GET /report?period=…` and its downloads `GET /report.csv` and `GET /report.json`.
struct ReportRoutes: Sendable {
    let site: WebSite
    let data: ConsoleData

    func add(to group: RouterGroup<WebContext>) {
        group.get("/report") { request, context in
            let input = queryFields(request)["period"] ?? ""
            let data = data
            let model = try await StoreWork.run { try ReportModel.build(input: input, data: data) }
            var values: [String: Any] = [
                "input": model.input, "periodLabel": model.periodLabel, "first": model.first, "last": model.last,
                "rows": model.rows, "total": model.total, "downloadQuery": model.downloadQuery,
                "breakdowns": model.breakdowns.map { breakdown -> [String: Any] in
                    ["id": breakdown.id, "title": breakdown.title, "tallies": breakdown.tallies.map(Self.tally),
                     "total": Self.tally(breakdown.total)]
                },
            ]
            if let error = model.error { values["error"] = error }
            return await site.page(WebPage(title: "実績", template: "console.report", values: values,
                                           status: model.error == nil ? .ok : .badRequest),
                                   request: request, context: context)
        }
        for format in [PeriodReport.Format.csv, .json] {
            addDownload(format, to: group)
        }
    }

    static func tally(_ tally: PeriodReport.Tally) -> [String: Any] {
        ["name": tally.name, "referrals": tally.referrals, "connected": tally.connected, "declined": tally.declined,
         "withdrawn": tally.withdrawn, "awaiting": tally.awaiting]
    }

    /// The report as a file: CSV (UTF-8 with a BOM) or JSON, as `tsunagi report` writes them.
    private func addDownload(_ format: PeriodReport.Format, to group: RouterGroup<WebContext>) {
        group.get("/report.\(format.rawValue)") { request, context in
            let input = queryFields(request)["period"] ?? ""
            let data = data
            switch try await StoreWork.run({ try ReportModel.download(input: input, format: format, data: data) }) {
            case .failure(let error):
                return await site.messagePage(title: "実績", message: error.sentence, status: .badRequest,
                                              link: NavItem(href: "/report", label: "実績へ戻る"), request: request, context: context)
            case .success(let download):
                var response = WebResponse.text(
                    download.body,
                    contentType: format == .csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8")
                response.headers[.contentDisposition] = "attachment; filename=\"\(download.name)\""
                return response
            }
        }
    }
}
