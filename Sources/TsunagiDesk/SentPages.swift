import Foundation
import Hummingbird
import TsunagiCore
import TsunagiStore
import TsunagiStaff
import TsunagiWeb

/// 送信済み (what this agency sent and where each stands, the router's refusal in words) and
/// 取り込めなかったファイル (outbox files the worker refused, with the reason beside each).
struct SentPages {
    let desk: Desk
    static let limit = 200

    func register(on pages: RouterGroup<WebContext>) {
        pages.get("/sent") { request, context in try await sent(request: request, context: context) }
        pages.get("/rejected") { request, context in await rejected(request: request, context: context) }
    }

    private func sent(request: Request, context: WebContext) async throws -> Response {
        let environment = desk.environment
        let language = context.language
        let (entries, total) = try environment.ledger.recentSent(limit: Self.limit)
        var notice: String?
        if let new = request.uri.queryParameters["new"] {
            notice = language.pick("紹介 \(new) を送信箱に入れました。まもなくこの一覧に現れ、ルーターへ送られます。",
                                   "Referral \(new) is in the outbox; it appears here shortly and goes to the router.")
        }
        let values: [String: Any] = [
            "summary": total > entries.count
                ? language.pick("送った紹介 \(total) 件のうち、新しい \(entries.count) 件です。", "The newest \(entries.count) of \(total) referrals sent.")
                : language.pick("送った紹介 \(total) 件です。", "\(total) referral(s) sent."),
            "hasEntries": !entries.isEmpty,
            "caption": language.pick("送った紹介（新しい順）", "Referrals sent, newest first"),
            "headings": [language.pick("紹介ID", "Referral"), language.pick("紹介先", "To"), language.pick("作成日時", "Created"),
                         language.pick("いまの状態", "Where it stands")],
            "entries": entries.map { entry -> [String: Any] in
                let routing = entry.referral.routing
                var line: [String: Any] = [
                    "id": routing.id.rawValue, "href": "/referrals/\(routing.id.rawValue)",
                    "to": environment.name(of: routing.to), "created": DeskTime.japanese(routing.createdAt),
                    "refused": entry.refusal != nil, "refusedLabel": language.pick("ルーターが受け付けませんでした:", "Refused by the router:"),
                ]
                if let refusal = entry.refusal {
                    line["state"] = StaffWords.routerRefusal(code: entry.refusalCode, sentence: refusal, language.staff)
                } else {
                    var state = StaffWords.state(entry.state, .sent).text(language.staff)
                    if !entry.acknowledged { state += language.pick("（ルーターの受付待ち）", " (waiting for the router)") }
                    if let queued = entry.queuedAnswer {
                        state += language.pick("（「\(StaffWords.answer(queued).japanese)」を送信中）", " ('\(StaffWords.answer(queued).english)' being sent)")
                    }
                    line["state"] = state
                    if entry.state.isFinal, let detail = entry.detail { line["detail"] = detail }
                }
                return line
            },
        ]
        return await desk.site.page(WebPage(title: language.pick("送信済み", "Sent"), template: "desk.sent", values: values, notice: notice),
                                    request: request, context: context)
    }

    struct RejectedFile {
        let name: String
        let modified: Date
        let reason: String
    }

    /// The refused files, newest first: each file and its `.error` (links are listed, never followed).
    static func rejectedFiles(in folder: String, limit: Int) -> [RejectedFile] {
        let manager = FileManager.default
        let names = ((try? manager.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".error") }
        var files: [RejectedFile] = []
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let attributes = try? manager.attributesOfItem(atPath: path)
            let errorPath = path + ".error"
            var reason = ""
            if (try? manager.attributesOfItem(atPath: errorPath)[.type] as? FileAttributeType) == .typeRegular,
               let data = manager.contents(atPath: errorPath) {
                reason = String(decoding: data.prefix(8192), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            files.append(RejectedFile(name: name, modified: attributes?[.modificationDate] as? Date ?? .distantPast, reason: reason))
        }
        return Array(files.sorted { $0.modified > $1.modified }.prefix(limit))
    }

    private func rejected(request: Request, context: WebContext) async -> Response {
        let language = context.language
        let files = Self.rejectedFiles(in: desk.environment.rejectedFolder, limit: Self.limit)
        let values: [String: Any] = [
            "intro": language.pick(
                "送信箱に置かれたファイルのうち、取り込めなかったものと、その理由です。直したファイルは新しい名前で送信箱に置いてください。",
                "Outbox files the worker could not take, with the reason. Put a corrected file into the outbox under a new name."),
            "hasFiles": !files.isEmpty,
            "caption": language.pick("取り込めなかったファイル（新しい順）", "Rejected files, newest first"),
            "headings": [language.pick("ファイル名", "File"), language.pick("日時", "When"), language.pick("理由", "Reason")],
            "files": files.map { file -> [String: String] in
                ["name": file.name, "when": DeskTime.japanese(Timestamps.iso(file.modified)),
                 "reason": file.reason.isEmpty ? language.pick("（理由の記録がありません）", "(no reason recorded)") : file.reason]
            },
            "none": language.pick("取り込めなかったファイルはありません。", "No file has been rejected."),
        ]
        return await desk.site.page(WebPage(title: language.pick("取り込めなかったファイル", "Rejected files"), template: "desk.rejected",
                                            values: values),
                                    request: request, context: context)
    }
}
