import Foundation
import Hummingbird
import TsunagiCore
import TsunagiStaff
import TsunagiWeb

/// 新しい紹介: a form with every routing field and the person's details in the kind's columns.
/// Consent basis and date are required; each error is named next to its field and listed above
/// the form. A valid referral goes into the outbox as a JSON document, as `submit` puts a file
/// there, and the worker takes it from there.
struct NewReferralPage {
    let desk: Desk

    func register(on pages: RouterGroup<WebContext>) {
        pages.get("/new") { request, context in
            // The staff member who is logged in usually recorded the consent too.
            let form = FormData(fields: [("consent_recorded_by", context.userName ?? "")])
            return await render(form: form, id: newID(), errors: [:], request: request, context: context, status: .ok)
        }
        pages.post("/new") { request, context in
            let form = context.form
            let id = form.trimmed("id").flatMap(ReferralID.init(rawValue:)) ?? newID()
            let (document, errors) = build(form: form, id: id, context: context)
            guard let document, errors.isEmpty else {
                return await render(form: form, id: id, errors: errors, request: request, context: context, status: .unprocessableContent)
            }
            if let reason = desk.environment.check(document) {
                return await render(form: form, id: id, errors: [:], request: request, context: context, status: .unprocessableContent,
                                    alert: context.text("この紹介は送れません: \(reason)", "This referral cannot be sent: \(reason)"))
            }
            do {
                try desk.environment.submit(document, "desk-\(id.rawValue).json")
            } catch {
                return await render(form: form, id: id, errors: [:], request: request, context: context, status: .internalServerError,
                                    alert: context.text("送信箱に入れられませんでした: \(error)", "Could not put it into the outbox: \(error)"))
            }
            desk.site.logger.info("desk referral put into the outbox", metadata: [
                "referral.id": "\(id)", "user": "\(context.userName ?? "-")",
            ])
            return WebResponse.redirect(to: "/sent?new=\(id.rawValue)")
        }
    }

    /// A fresh id: the agency, the time in Japan and a random part, e.g. `saposute.kochi-20261202-093015-4f2a`.
    func newID() -> ReferralID {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .japan
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date())
        let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
        let random = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return ReferralID(rawValue: "\(desk.environment.agency.rawValue.prefix(40))-\(stamp)-\(random)")!
    }

    // MARK: Checking the form

    private func date(_ text: String?) -> CivilDate? {
        guard let text else { return nil }
        let folded = text.precomposedStringWithCompatibilityMapping.replacingOccurrences(of: "/", with: "-")
        let parts = folded.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// The referral document, or the errors by field name.
    func build(form: FormData, id: ReferralID, context: WebContext) -> (Data?, [String: String]) {
        let environment = desk.environment
        let text = context.text
        let today = environment.today()
        var errors: [String: String] = [:]

        let to = form.trimmed("to").flatMap(AgencyID.init(rawValue:))
        if to == nil || !environment.agencies.contains(where: { $0.id == to }) {
            errors["to"] = text("紹介先を選んでください。", "Choose the destination.")
        } else if to == environment.agency {
            errors["to"] = text("自分の機関には紹介できません。", "A referral cannot go to this agency itself.")
        }
        let needs = form.values("needs").compactMap(Need.init(rawValue:))
        if needs.isEmpty { errors["needs"] = text("支援ニーズを一つ以上選んでください。", "Choose at least one need.") }
        let ageBand = form.trimmed("age_band").flatMap(AgeBand.init(rawValue:))
        if ageBand == nil { errors["age_band"] = text("年代を選んでください。", "Choose the age band.") }
        let sex = form.trimmed("sex").flatMap(Sex.init(rawValue:))
        if sex == nil { errors["sex"] = text("性別を選んでください（分からないときは「不明・回答なし」）。", "Choose the sex (or Unknown).") }
        let municipality = form.trimmed("municipality")
        if municipality == nil {
            errors["municipality"] = text("市町村を書いてください（例: 須崎市）。", "Write the municipality (e.g. Susaki).")
        } else if municipality!.count > 64 {
            errors["municipality"] = text("64 文字以内にしてください。", "Keep it within 64 characters.")
        }
        let basis = form.trimmed("consent_basis").flatMap(ConsentBasis.init(rawValue:))
        if basis == nil {
            errors["consent_basis"] = text("同意の根拠を選んでください。同意の根拠がない紹介は送れません。",
                                           "Choose the consent basis: a referral without one cannot be sent.")
        }
        let obtained = date(form.trimmed("consent_obtained_on"))
        if form.trimmed("consent_obtained_on") == nil {
            errors["consent_obtained_on"] = text("同意を得た日を書いてください。", "Write the day consent was obtained.")
        } else if obtained == nil {
            errors["consent_obtained_on"] = text("日付は 2026-11-25 の形で書いてください。", "Write the date as 2026-11-25.")
        } else if obtained! > today {
            errors["consent_obtained_on"] = text("同意を得た日が未来になっています。", "The consent date is in the future.")
        }
        let recordedBy = form.trimmed("consent_recorded_by")
        if recordedBy == nil { errors["consent_recorded_by"] = text("同意を記録した職員を書いてください。", "Write who recorded the consent.") }
        var due: CivilDate?
        if let dueText = form.trimmed("due_date") {
            due = date(dueText)
            if due == nil {
                errors["due_date"] = text("日付は 2026-12-04 の形で書いてください。", "Write the date as 2026-12-04.")
            } else if due! < today {
                errors["due_date"] = text("返事の期限が今日より前です。", "The due date is before today.")
            }
        }
        var personal: [String: String] = [:]
        for column in environment.personalColumns {
            guard let value = form.trimmed("person_\(column.key)") else { continue }
            if !column.allowedValues.isEmpty, !column.allowedValues.contains(value) {
                errors["person_\(column.key)"] = text("「\(column.allowedValues.joined(separator: "」「"))」から選んでください。",
                                                      "Choose one of: \(column.allowedValues.joined(separator: ", ")).")
            }
            personal[column.key] = value
        }
        if personal["name"] == nil { errors["person_name"] = text("氏名を書いてください。", "Write the person's name.") }
        guard errors.isEmpty, let to, let ageBand, let sex, let municipality, let basis, let obtained, let recordedBy else {
            return (nil, errors)
        }
        var routing: [String: Any] = [
            "id": id.rawValue, "from": environment.agency.rawValue, "to": to.rawValue, "created_at": Self.nowInJapan(),
            "needs": needs.map(\.rawValue), "age_band": ageBand.rawValue, "sex": sex.rawValue, "municipality": municipality,
            "consent": ["basis": basis.rawValue, "obtained_on": obtained.description, "recorded_by": recordedBy],
        ]
        if let due { routing["due_date"] = due.description }
        let document = try? JSONSerialization.data(withJSONObject: ["routing": routing, "personal": personal],
                                                   options: [.sortedKeys, .withoutEscapingSlashes])
        return (document, [:])
    }

    static func nowInJapan() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .japan
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date())
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d+09:00", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    // MARK: The form

    private func render(form: FormData, id: ReferralID, errors: [String: String], request: Request, context: WebContext,
                        status: HTTPResponse.Status, alert: String? = nil) async -> Response {
        let environment = desk.environment
        let language = context.language
        let text = context.text
        var fields: [[String: Any]] = []
        var labels: [String: String] = [:]

        func field(_ kind: String, _ name: String, _ label: String, required: Bool, hint: String? = nil,
                   options: [(value: String, label: String)] = [], inputType: String = "text") {
            labels[name] = label
            let chosen = Set(form.values(name))
            var item: [String: Any] = [
                "isSelect": kind == "select", "isChecks": kind == "checks", "isText": kind == "text", "isArea": kind == "area",
                "isHeading": false, "name": name, "label": label, "required": required, "inputType": inputType,
                "value": form[name] ?? "",
                "options": options.map { ["value": $0.value, "label": $0.label, "selected": chosen.contains($0.value)] },
            ]
            if let hint { item["hint"] = hint }
            if let error = errors[name] { item["error"] = error }
            fields.append(item)
        }
        func heading(_ label: String) {
            fields.append(["isHeading": true, "isSelect": false, "isChecks": false, "isText": false, "isArea": false, "label": label])
        }

        let others = environment.agencies.filter { $0.id != environment.agency }
        let typical = environment.typicalDestinations.compactMap { id in others.first { $0.id == id } }
        let destinations = typical + others.filter { !typical.contains($0) }.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }
        field("select", "to", text("紹介先", "Destination"), required: true,
              hint: text("よく紹介する先が上に並んでいます。", "Usual destinations come first."),
              options: destinations.map { ($0.id.rawValue, $0.name) })
        field("checks", "needs", text("支援ニーズ", "Needs"), required: true,
              options: Need.allCases.map { ($0.rawValue, StaffWords.need($0).text(language.staff)) })
        field("select", "age_band", text("年代", "Age band"), required: true,
              options: AgeBand.allCases.map { ($0.rawValue, StaffWords.ageBand($0).text(language.staff)) })
        field("select", "sex", text("性別", "Sex"), required: true,
              options: Sex.allCases.map { ($0.rawValue, StaffWords.sex($0).text(language.staff)) })
        field("text", "municipality", text("市町村（お住まい）", "Municipality of residence"), required: true,
              hint: text("例: 須崎市", "e.g. 須崎市"))
        field("select", "consent_basis", text("同意の根拠", "Consent basis"), required: true,
              options: ConsentBasis.allCases.map { ($0.rawValue, StaffWords.consentBasis($0).text(language.staff)) })
        field("text", "consent_obtained_on", text("同意取得日", "Consent obtained on"), required: true,
              hint: text("例: 2026-11-25", "e.g. 2026-11-25"), inputType: "date")
        field("text", "consent_recorded_by", text("同意記録者", "Consent recorded by"), required: true,
              hint: text("同意を記録した職員（ご本人の名前ではありません）", "The staff member who recorded it (not the person)"))
        field("text", "due_date", text("返事の期限（任意）", "Answer due (optional)"), required: false,
              hint: text("空欄なら紹介先の標準の日数です。", "Leave empty for the destination's usual time."), inputType: "date")
        heading(text("ご本人（紹介先だけが読めます）", "The person (only the destination can read this)"))
        for column in environment.personalColumns {
            let name = "person_\(column.key)"
            if column.key == "note" {
                field("area", name, column.heading, required: false)
            } else if !column.allowedValues.isEmpty {
                field("select", name, column.heading, required: false, options: column.allowedValues.map { ($0, $0) })
            } else {
                field("text", name, column.heading, required: column.key == "name")
            }
        }

        let order = fields.compactMap { $0["name"] as? String }
        let errorList = order.compactMap { name -> [String: String]? in
            guard let message = errors[name] else { return nil }
            return ["field": name, "label": labels[name] ?? name, "message": message]
        }
        let values: [String: Any] = [
            "csrf": context.session?.csrfToken ?? "", "id": id.rawValue, "fields": fields,
            "idLabel": text("紹介ID", "Referral id"),
            "intro": text("紹介先と、ご本人の情報を書いて送ります。「必須」の項目は省けません。",
                          "Write the destination and the person's details. Fields marked required cannot be left out."),
            "routingHeading": text("紹介の内容（ルーターが読む項目）", "Routing facts (the router reads these)"),
            "requiredText": text("必須", "required"), "choose": text("選んでください", "Choose"),
            "submitText": text("この内容で紹介を送る", "Send this referral"),
            "hasErrors": !errorList.isEmpty, "errorList": errorList,
            "errorSummary": text("入力に \(errorList.count) か所の誤りがあります。直してから、もう一度送ってください。",
                                 "\(errorList.count) field(s) need fixing before the referral can be sent."),
        ]
        return await desk.site.page(WebPage(title: text("新しい紹介", "New referral"), template: "desk.new", values: values,
                                            status: status, alert: alert),
                                    request: request, context: context)
    }
}
