import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// 未応答の紹介: the filters a coordinator chose, from the page's GET form.
struct UnacknowledgedFilter: Sendable, Equatable {
    var agency: AgencyID?
    var region: String?
    var state: HandoffState?
    var overdueOnly = false
    /// 1-based: the list shows `UnacknowledgedModel.pageSize` rows at a time, overdue first.
    var page = 1
    /// Field → what to write instead, shown next to the field.
    var errors: [String: String] = [:]

    init(agency: AgencyID? = nil, region: String? = nil, state: HandoffState? = nil, overdueOnly: Bool = false) {
        self.agency = agency
        self.region = region
        self.state = state
        self.overdueOnly = overdueOnly
    }

    /// Reads `agency`, `region`, `state` and `overdue` as the form sends them; an empty field means
    /// "all". A value the console does not know is named next to its field, and that filter is not
    /// applied.
    init(query: [String: String], data: ConsoleData) {
        if let text = query["agency"], !text.isEmpty {
            if let id = AgencyID(rawValue: text), data.directory[id] != nil { agency = id } else {
                errors["agency"] = "機関「\(text)」は登録簿にありません。一覧から選んでください。"
            }
        }
        if let text = query["region"], !text.isEmpty {
            if data.regions.contains(text) { region = text } else {
                errors["region"] = "地域「\(text)」はありません。一覧から選んでください。"
            }
        }
        if let text = query["state"], !text.isEmpty {
            if let state = HandoffState(rawValue: text), PendingView.states.contains(state) { self.state = state } else {
                errors["state"] = "状態は「送信済」「到着済」「開封不能」のどれかを選んでください。"
            }
        }
        overdueOnly = ["1", "on", "true"].contains(query["overdue"] ?? "")
        if let text = query["page"], let number = Int(text), number >= 1 { page = number }
    }

    /// The same filters as a query string, for the live updates and the links.
    var queryString: String {
        var items: [URLQueryItem] = []
        if let agency { items.append(URLQueryItem(name: "agency", value: agency.rawValue)) }
        if let region { items.append(URLQueryItem(name: "region", value: region)) }
        if let state { items.append(URLQueryItem(name: "state", value: state.rawValue)) }
        if overdueOnly { items.append(URLQueryItem(name: "overdue", value: "1")) }
        if page > 1 { items.append(URLQueryItem(name: "page", value: String(page))) }
        var components = URLComponents()
        components.queryItems = items
        return components.percentEncodedQuery ?? ""
    }
}

/// One row of 未応答の紹介: routing facts only.
struct UnacknowledgedRow: Sendable {
    let id: String
    let fromName: String
    let toName: String
    let region: String
    let needs: String
    let state: String
    let createdDay: String
    let ageBusinessDays: Int
    let dueDay: String
    /// "あと2営業日", "本日まで", "3営業日超過".
    let dueText: String
    let overdue: Bool
    /// The history page's path.
    let link: String
}

struct SelectOption: Sendable {
    let value: String
    let label: String
    let selected: Bool
}

/// Everything the 未応答の紹介 page shows.
struct UnacknowledgedModel: Sendable {
    let filter: UnacknowledgedFilter
    let rows: [UnacknowledgedRow]
    let overdueCount: Int
    /// Of them, those the destination could not open (waiting for the sender to seal them again).
    let undeliverableCount: Int
    /// All that match the filters; `rows` is one page of them.
    let count: Int
    let firstShown: Int
    let previousPage: String?
    let nextPage: String?
    let agencyOptions: [SelectOption]
    let regionOptions: [SelectOption]
    let stateOptions: [SelectOption]
    let today: String

    static let pageSize = 200

    static func build(filter: UnacknowledgedFilter, data: ConsoleData) throws -> UnacknowledgedModel {
        let today = data.today()
        var items = try PendingView.items(reader: data.reader, agency: filter.agency, state: filter.state,
                                          overdueOnly: filter.overdueOnly, today: today, calendar: data.calendar)
        if let region = filter.region { items = items.filter { data.region($0.to) == region } }
        let pageStart = min((filter.page - 1) * pageSize, max(items.count - 1, 0) / pageSize * pageSize)
        let rows = items[pageStart..<min(pageStart + pageSize, items.count)].map { item in
            let dueText: String
            if item.overdue {
                dueText = "\(max(data.calendar.businessDays(from: item.dueDay, to: today), 1))営業日超過"
            } else {
                let left = data.calendar.businessDays(from: today, to: item.dueDay)
                dueText = left == 0 ? "本日まで" : "あと\(left)営業日"
            }
            return UnacknowledgedRow(
                id: item.id.rawValue, fromName: data.name(item.from), toName: data.name(item.to), region: data.region(item.to),
                needs: item.needs.map(JapaneseLabels.need).joined(separator: "・"), state: JapaneseLabels.pendingState(item.state),
                createdDay: item.createdDay.description, ageBusinessDays: item.ageBusinessDays, dueDay: item.dueDay.description,
                dueText: dueText, overdue: item.overdue, link: HistoryModel.path(item.id))
        }
        let agencies = [SelectOption(value: "", label: "すべての機関", selected: filter.agency == nil)]
            + data.orderedAgencies.map { SelectOption(value: $0.id.rawValue, label: $0.name, selected: filter.agency == $0.id) }
        let regions = [SelectOption(value: "", label: "すべての地域", selected: filter.region == nil)]
            + data.regions.map { SelectOption(value: $0, label: $0, selected: filter.region == $0) }
        let states = [SelectOption(value: "", label: "すべて（送信済・到着済・開封不能）", selected: filter.state == nil)]
            + PendingView.states.map {
                SelectOption(value: $0.rawValue, label: $0.japaneseLabel, selected: filter.state == $0)
            }
        func link(_ page: Int) -> String {
            var moved = filter
            moved.page = page
            return "/" + (moved.queryString.isEmpty ? "" : "?" + moved.queryString)
        }
        let currentPage = pageStart / pageSize + 1
        return UnacknowledgedModel(filter: filter, rows: rows, overdueCount: items.filter(\.overdue).count,
                                   undeliverableCount: items.filter { $0.state == .undeliverable }.count,
                                   count: items.count, firstShown: pageStart + 1,
                                   previousPage: currentPage > 1 ? link(currentPage - 1) : nil,
                                   nextPage: pageStart + pageSize < items.count ? link(currentPage + 1) : nil,
                                   agencyOptions: agencies, regionOptions: regions, stateOptions: states,
                                   today: today.description)
    }
}
