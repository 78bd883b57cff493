import Foundation
import TsunagiCore

/// One thing wrong with an outbox file, where it is, and what to write instead: in Japanese for
/// the staff who fix it, then in English.
public struct FileProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Place: Sendable, Equatable {
        /// The file as a whole (its encoding, its kind, its name).
        case file
        /// A row as Excel numbers it (the heading row is 1).
        case row(Int)
        /// A cell: the row as Excel numbers it, the column's letter as Excel shows it and its heading.
        case cell(row: Int, column: String, heading: String)
        /// A field of a JSON document, e.g. `routing.consent.basis`; its English sentence reads on
        /// from the field's name ("is missing: …").
        case field(String)
    }

    public let place: Place
    public let japanese: String
    public let english: String

    public init(_ place: Place, japanese: String, english: String) {
        self.place = place
        self.japanese = japanese
        self.english = english
    }

    /// `3行目 E列「年代」: …`
    public var japaneseLine: String {
        switch place {
        case .file: japanese
        case .row(let row): "\(row)行目: \(japanese)"
        case .cell(let row, let column, let heading): "\(row)行目 \(column)列「\(heading)」: \(japanese)"
        case .field(let path): "\(path): \(japanese)"
        }
    }

    /// `line 3, column E (年代): …`
    public var englishLine: String {
        switch place {
        case .file: english
        case .row(let row): "line \(row): \(english)"
        case .cell(let row, let column, let heading): "line \(row), column \(column) (\(heading)): \(english)"
        // The English reads on from the field's name: "routing.sex is not …".
        case .field(let path): "\(path) \(english)"
        }
    }

    public var description: String { japaneseLine == englishLine ? japaneseLine : "\(japaneseLine)\n\(englishLine)" }
}

/// Why an outbox file cannot be sent: every problem found in it, not only the first.
public struct RejectionReason: Error, Sendable, CustomStringConvertible {
    public let problems: [FileProblem]
    /// False when part of the file was sent all the same (`outcomes` then says which part).
    public let nothingSent: Bool
    /// What became of the file's other referrals, each in its place: sent now, or sent before
    /// with the same content (a repeat). Not errors; said so that no row is left unaccounted for.
    public let outcomes: [FileProblem]
    /// The outbox did not read it (a link, a folder, a FIFO, a name that is not UTF-8…): its
    /// problem says what to do instead of "fix it and drop it again under the same name".
    public let unread: Bool

    public init(_ problems: [FileProblem], nothingSent: Bool = true, outcomes: [FileProblem] = [], unread: Bool = false) {
        self.problems = problems
        self.nothingSent = nothingSent
        self.outcomes = outcomes
        self.unread = unread
    }

    public init(japanese: String, english: String, place: FileProblem.Place = .file, nothingSent: Bool = true,
                unread: Bool = false) {
        self.init([FileProblem(place, japanese: japanese, english: english)], nothingSent: nothingSent, unread: unread)
    }

    /// A sentence in one language only (kept for callers that have no translation yet).
    public init(_ message: String) {
        self.init([FileProblem(.file, japanese: message, english: message)])
    }

    /// Every problem, each in Japanese and then in English.
    public var message: String { problems.map(\.description).joined(separator: "\n") }
    public var description: String { message }

    /// The text of `NAME.error`: which file, how many problems, what was sent of it, then each
    /// problem, then what became of the file's other referrals.
    public func errorFileText(for name: String) -> String {
        let count = problems.count
        let summary: String
        if unread {
            // Said on the first line, which `status` shows; the problem below says what to do.
            summary = "「\(name)」は読まずに rejected/ に移しました（何も送っていません）。\n"
                + "\(name) was moved to rejected/ unread; nothing was sent."
        } else if !outcomes.isEmpty {
            let sentNow = nothingSent ? "このファイルから新しく送ったものはありません。" : "ほかの紹介は送りました。"
            let sentNowEnglish = nothingSent ? "nothing new in it was sent" : "its other referrals were sent"
            summary = "「\(name)」の紹介のうち\(count)件は送れませんでした（下記）。\(sentNow)"
                + "直して同じ名前で outbox に置き直せば、送った紹介はくり返しとして扱われ、二重には送られません。\n"
                + "\(count) referral\(count == 1 ? "" : "s") in \(name) \(count == 1 ? "was" : "were") not sent (see below); \(sentNowEnglish). "
                + "Fix \(count == 1 ? "it" : "them") and put the file in the outbox again under the same name: what was sent is recognized as a repeat and not sent twice."
        } else if count == 1 {
            summary = "「\(name)」は送れませんでした。このファイルからは何も送っていません。直して、同じ名前で outbox に置き直してください。\n"
                + "\(name) was not sent; nothing in it was sent. Fix it and put it in the outbox again under the same name."
        } else {
            summary = "「\(name)」には\(count)件の誤りがあります。このファイルからは何も送っていません。すべて直して、同じ名前で outbox に置き直してください。\n"
                + "\(name) has \(count) errors; nothing in it was sent. Fix them all and put it in the outbox again under the same name."
        }
        var text = summary + "\n\n" + problems.map(\.description).joined(separator: "\n\n") + "\n"
        if !outcomes.isEmpty {
            text += "\nほかの紹介 / The file's other referrals:\n\n" + outcomes.map(\.description).joined(separator: "\n\n") + "\n"
        }
        return text
    }
}

/// What became of one referral of an outbox file once the ledger saw it, said in the referral's
/// place in the file (its row), for the `.error` of a file that was only partly sent.
enum FileOutcome {
    /// A referral whose id was sent before with other content; `earlier` is what was sent, so
    /// that the sentence can name the columns that differ.
    static func conflict(_ item: ReferralFileReader.FileReferral, earlier: Referral?, profile: AgencyProfile) -> FileProblem {
        let id = item.referral.id
        let changed = earlier.map { changedColumns($0, item.referral, profile: profile) } ?? []
        let where_ = changed.isEmpty ? "" : "（前に送った内容と違う列: \(changed.map(\.heading).joined(separator: "、"))）"
        let whereEnglish = changed.isEmpty ? "" : " (differing from what was sent: \(changed.map { "\($0.heading) (\($0.field))" }.joined(separator: ", ")))"
        return FileProblem(item.place,
            japanese: "紹介ID「\(id)」は別の内容ですでに送られているため、送っていません\(where_)。紹介IDは一度しか使えません。内容を変えた紹介には新しいIDを付けてください。",
            english: "referral id \(id) was already sent with other content\(whereEnglish), so this one was not sent: a referral id is used once, for ever; give a changed referral a new id.")
    }

    /// The columns in which `new` differs from `earlier`, by the CSV's headings and the fields they fill.
    static func changedColumns(_ earlier: Referral, _ new: Referral, profile: AgencyProfile) -> [(heading: String, field: String)] {
        func fields(_ bytes: [UInt8]) -> [String: NSObject] {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return [:] }
            var flat: [String: NSObject] = [:]
            for (key, value) in object {
                if let nested = value as? [String: Any] {
                    for (inner, innerValue) in nested { flat["\(key).\(inner)"] = innerValue as? NSObject }
                } else {
                    flat[key] = value as? NSObject
                }
            }
            return flat
        }
        func differing(_ left: [String: NSObject], _ right: [String: NSObject]) -> [String] {
            Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
        }
        let routingHeadings = ReferralFileReader.routingHeadings
        let routing = differing(fields(earlier.routing.canonicalJSON()), fields(new.routing.canonicalJSON())).map { field in
            (heading: routingHeadings.first { $0.field == field }?.heading ?? field, field: field)
        }
        let personal = differing(fields(earlier.personal), fields(new.personal)).map { key in
            (heading: profile.personalColumns.first { $0.key == key }?.heading ?? key, field: key)
        }
        // In the order of the CSV's columns: routing first, then the person's.
        let order = routingHeadings.map(\.field)
        return routing.sorted { (order.firstIndex(of: $0.field) ?? order.count) < (order.firstIndex(of: $1.field) ?? order.count) } + personal
    }

    static func sent(_ item: ReferralFileReader.FileReferral) -> FileProblem {
        let id = item.referral.id
        return FileProblem(item.place,
            japanese: "紹介ID「\(id)」は台帳に記録し、送信に回しました（ルーターが受け付けたかは sent で確かめられます）。",
            english: "referral \(id) was recorded and handed over for sending ('sent' shows whether the router took it).")
    }

    static func repeated(_ item: ReferralFileReader.FileReferral) -> FileProblem {
        let id = item.referral.id
        return FileProblem(item.place,
            japanese: "紹介ID「\(id)」は以前に同じ内容で送っています。くり返しなので、もう一度は送っていません。",
            english: "referral \(id) was sent before with the same content: a repeat, not sent again.")
    }
}
