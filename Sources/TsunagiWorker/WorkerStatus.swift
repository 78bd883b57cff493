import Foundation
import TsunagiCore
import TsunagiStore

/// What `status` reports (and the desk can show): whether the daemon runs and is connected,
/// what waits, and what was refused — by the router or at the outbox.
struct WorkerStatus {
    let running: Bool
    let state: WorkerRuntimeState?
    let outboxFiles: [String]
    /// Hidden and `*.tmp` files, which the worker takes for copies being written and never sends.
    let outboxLeftAlone: [String]
    let waitingForRouter: [LedgerReferral]
    let queuedAnswers: [QueuedAnswer]
    let awaitingAnswer: Int
    let overdue: Int
    let refusedReferrals: [LedgerReferral]
    let refusedAnswers: [LedgerAnswer]
    let rejectedFiles: [(name: String, reason: String)]

    var connected: Bool { running && state?.connected == true }

    /// How far back `status` lists what the router refused; `show`, `inbox` and `sent` keep
    /// showing each refusal beside its referral.
    static let refusalsShownFor: TimeInterval = 14 * 24 * 3600

    static func gather(_ context: WorkerContext) throws -> WorkerStatus {
        let folders = context.folders
        let sent = try context.ledger.sent()
        let received = try context.ledger.received()
        let today = CivilDate.today()
        let open = received.filter(\.state.isUnacknowledged)
        let rejectedNames = visibleFiles(folders.rejected).filter { $0.hasSuffix(".error") }
        let rejected = rejectedNames.map { name -> (name: String, reason: String) in
            let text = (try? String(contentsOfFile: (folders.rejected as NSString).appendingPathComponent(name), encoding: .utf8)) ?? ""
            return (String(name.dropLast(".error".count)), text.split(separator: "\n").first.map(String.init) ?? "")
        }
        return WorkerStatus(
            running: DataDirectoryLock.isHeld(folders: folders), state: WorkerRuntimeState.read(from: folders),
            outboxFiles: visibleFiles(folders.outbox).filter { !$0.hasSuffix(".tmp") },
            outboxLeftAlone: OutboxDoor(folders: folders).waitingFiles().map(\.name),
            waitingForRouter: sent.filter { !$0.acknowledged }, queuedAnswers: try context.ledger.queuedAnswers(),
            awaitingAnswer: open.count, overdue: open.filter { context.isOverdue($0, today: today) }.count,
            refusedReferrals: sent.filter { $0.refusal != nil && isRecent($0.stateAt) },
            refusedAnswers: try context.ledger.refusedAnswers().filter { isRecent($0.answeredAt ?? $0.queuedAt) },
            rejectedFiles: rejected)
    }

    static func isRecent(_ iso: String, now: Date = Date()) -> Bool {
        guard let date = Timestamps.parse(iso) else { return true }
        return now.timeIntervalSince(date) < refusalsShownFor
    }

    static func visibleFiles(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func lines(_ context: WorkerContext) -> [String] {
        let language = context.language
        let agency = context.settings.agency
        var lines = [context.names.name(agency, language) + (language == .ja ? "（\(agency)）" : "")]
        if !running {
            lines.append(language.pick("ワーカー: 止まっています。回答や outbox のファイルは残っていて、ワーカーを起動すると送られます。",
                                       "worker: not running. Answers and outbox files wait and are sent when it starts."))
        } else if let state, state.connected {
            lines.append(language.pick("ワーカー: 動いています（pid \(state.pid)）。ルーターにつながっています（\(StaffWords.time(state.since, language)) から）。",
                                       "worker: running (pid \(state.pid)), connected to the router since \(StaffWords.time(state.since, language))."))
        } else {
            lines.append(language.pick("ワーカー: 動いていますが、ルーターにつながっていません。",
                                       "worker: running, but not connected to the router."))
            if let trouble = state?.trouble {
                lines.append("  " + language.pick(trouble.japanese, trouble.english))
            }
        }
        lines.append(language.pick("待っているもの", "Waiting"))
        var waiting: [String] = []
        if !outboxFiles.isEmpty {
            waiting.append(language.pick("outbox のファイル \(outboxFiles.count) 件（\(outboxFiles.joined(separator: ", "))）",
                                         "\(outboxFiles.count) file(s) in the outbox (\(outboxFiles.joined(separator: ", ")))"))
        }
        if !outboxLeftAlone.isEmpty {
            waiting.append(language.pick(
                "outbox の書きかけとみなすファイル \(outboxLeftAlone.count) 件（\(outboxLeftAlone.joined(separator: ", "))）: 名前が . で始まるか .tmp で終わるファイルは送りません。書き終えたファイルなら名前を変えてください",
                "\(outboxLeftAlone.count) file(s) in the outbox taken as still being written (\(outboxLeftAlone.joined(separator: ", "))): a name starting with . or ending in .tmp is never sent; rename a finished file"))
        }
        if !waitingForRouter.isEmpty {
            waiting.append(language.pick("ルーターの受付待ちの紹介 \(waitingForRouter.count) 件（\(waitingForRouter.map(\.referral.id.rawValue).joined(separator: ", "))）",
                                         "\(waitingForRouter.count) referral(s) not yet taken by the router (\(waitingForRouter.map(\.referral.id.rawValue).joined(separator: ", ")))"))
        }
        for answer in queuedAnswers {
            waiting.append(language.pick("\(answer.referral) の\(StaffWords.action(answer.transition).japanese)をルーターへ送信待ち",
                                         "\(answer.referral): \(StaffWords.action(answer.transition).english) waiting to reach the router"))
        }
        if awaitingAnswer > 0 {
            waiting.append(language.pick("回答待ちの紹介 \(awaitingAnswer) 件\(overdue > 0 ? "（うち期限切れ \(overdue) 件）" : "")（inbox）",
                                         "\(awaitingAnswer) referral(s) await this agency's answer\(overdue > 0 ? ", \(overdue) overdue" : "") (inbox)"))
        }
        lines += waiting.isEmpty ? ["  " + language.pick("なし", "nothing")] : waiting.map { "  " + $0 }
        lines.append(language.pick("受け付けられなかったもの", "Refused"))
        var refused: [String] = []
        for entry in refusedReferrals {
            refused.append(language.pick("紹介 \(entry.referral.id)（\(context.names.japanese(entry.referral.routing.to))へ）: ",
                                         "referral \(entry.referral.id) (to \(entry.referral.routing.to)): ")
                           + StaffWords.routerRefusal(code: entry.refusalCode, sentence: entry.refusal, language))
        }
        for answer in refusedAnswers {
            refused.append(language.pick("\(answer.referral) の\(StaffWords.action(answer.transition).japanese)（\(StaffWords.time(answer.answeredAt ?? answer.queuedAt, language))）: ",
                                         "\(answer.referral): the \(StaffWords.action(answer.transition).english) (\(StaffWords.time(answer.answeredAt ?? answer.queuedAt, language))): ")
                           + StaffWords.routerRefusal(code: answer.errorCode, sentence: answer.error, language))
        }
        for file in rejectedFiles {
            refused.append(language.pick("outbox のファイル \(file.name)（rejected/）: \(file.reason)", "outbox file \(file.name) (rejected/): \(file.reason)"))
        }
        lines += refused.isEmpty ? ["  " + language.pick("なし", "nothing")] : refused.map { "  " + $0 }
        return lines
    }

    func json(_ context: WorkerContext) -> [String: Any] {
        let optional = ListingJSON.optional
        let trouble: Any = state?.trouble.map { ["code": $0.code, "ja": $0.japanese, "en": $0.english] as [String: Any] } ?? NSNull()
        return [
            "agency": context.settings.agency.rawValue,
            "agency_name": context.names.japanese(context.settings.agency),
            "daemon": [
                "running": running, "connected": connected, "pid": optional(running ? state?.pid : nil),
                "started_at": optional(running ? state?.startedAt : nil), "since": optional(running ? state?.since : nil),
                "trouble": running ? trouble : NSNull(),
            ] as [String: Any],
            "waiting": [
                "outbox_files": outboxFiles,
                "outbox_left_alone": outboxLeftAlone,
                "referrals_not_taken_by_router": waitingForRouter.map(\.referral.id.rawValue),
                "answers_not_sent": queuedAnswers.map { ["id": $0.referral.rawValue, "action": $0.transition.rawValue, "detail": optional($0.detail)] as [String: Any] },
                "awaiting_answer": awaitingAnswer,
                "overdue": overdue,
            ] as [String: Any],
            "refused": [
                "referrals": refusedReferrals.map { ["id": $0.referral.id.rawValue, "to": $0.referral.routing.to.rawValue,
                                                     "code": optional($0.refusalCode), "error": optional($0.refusal)] as [String: Any] },
                "answers": refusedAnswers.map(ListingJSON.answer).enumerated().map { index, answer -> [String: Any] in
                    var answer = answer
                    answer["id"] = refusedAnswers[index].referral.rawValue
                    return answer
                },
                "rejected_files": rejectedFiles.map { ["file": $0.name, "reason": $0.reason] },
            ] as [String: Any],
        ]
    }
}
