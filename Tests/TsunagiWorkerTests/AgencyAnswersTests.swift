import Foundation
import Testing
import TsunagiCore
import TsunagiStore
@testable import TsunagiWorker

/// The answer rules against a real ledger file: each refusal says why in Japanese and queues nothing.
@Suite struct AgencyAnswersTests {
    static let saposute = AgencyID("saposute.kochi")
    static let peer = AgencyID("peer-support.kochi")
    let names = AgencyNames(registry: [saposute: "こうち若者サポートステーション", peer: "高知ひきこもりピアサポートセンター（本部）"])
    let outcomes = AgencyProfile.saposute.outcomes

    func openLedger() throws -> AgencyLedger {
        try AgencyLedger(path: (try Fixtures.temporaryFolder() as NSString).appendingPathComponent("ledger.sqlite"))
    }

    /// A referral from peer support that arrived at this Saposute.
    func received(_ ledger: AgencyLedger, _ id: String) throws -> ReferralID {
        let referral = try Fixtures.referral(id: id)
        try ledger.recordReceived(referral)
        return referral.id
    }

    func give(_ ledger: AgencyLedger, _ transition: Transition, _ id: ReferralID, _ detail: String? = nil) throws -> AgencyAnswers.Verdict {
        try AgencyAnswers.give(transition, id: id, detail: detail, ledger: ledger, outcomes: outcomes, names: names)
    }

    /// The router applied the queued answer, as the daemon records it.
    func routerApplies(_ ledger: AgencyLedger, _ transition: Transition, _ id: ReferralID, at: Date) throws {
        try ledger.markAnswerDone(transition, for: id, state: transition.target, actor: Self.saposute, at: at)
    }

    static let december2 = Date(timeIntervalSince1970: 1_796_173_200) // 2026-12-02 10:00 JST

    @Test func acceptAfterDeclineIsRefusedWithTheDayAndWho() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "SK-0033")
        #expect(try give(ledger, .decline, id, "定員のため") == .queued(AgencyAnswers.queuedSentence(.decline, id: id, detail: "定員のため")))
        try routerApplies(ledger, .decline, id, at: Self.december2)
        let verdict = try give(ledger, .accept, id)
        #expect(verdict.isRefusal)
        #expect(verdict.sentence.japanese == "SK-0033 は12月2日にこうち若者サポートステーションが受け入れできないと回答済みです（定員のため）。回答は変えられません。")
        #expect(verdict.sentence.english.contains("declined on 2 Dec 2026"))
        #expect(try ledger.queuedAnswers().isEmpty)
    }

    @Test func anAnswerWaitingForTheRouterCountsAlready() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "SK-0034")
        _ = try give(ledger, .decline, id, "定員のため")
        let verdict = try give(ledger, .accept, id)
        #expect(verdict.isRefusal && verdict.sentence.japanese.contains("ルーターへ送信待ち"))
        #expect(try ledger.queuedAnswers().map(\.transition) == [.decline])
    }

    @Test func completeBeforeAcceptIsRefused() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "SK-0035")
        let verdict = try give(ledger, .complete, id, "就職")
        #expect(verdict == .refused(StaffSentence("SK-0035 はまだ受け入れていません。完了の前に accept で受け入れてください。",
                                                  "SK-0035 has not been accepted yet: accept it before completing it.")))
        #expect(try ledger.queuedAnswers().isEmpty)
    }

    @Test func aSecondCompleteWithAnotherOutcomeIsRefusedAndTheSameIsHarmless() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "SK-0036")
        _ = try give(ledger, .accept, id)
        try routerApplies(ledger, .accept, id, at: Self.december2)
        #expect(!(try give(ledger, .complete, id, "就職")).isRefusal)
        try routerApplies(ledger, .complete, id, at: Self.december2)
        let other = try give(ledger, .complete, id, "修学")
        #expect(other.isRefusal && other.sentence.japanese.contains("完了（就職）として記録済み"))
        guard case .alreadyGiven = try give(ledger, .complete, id, "就職") else {
            Issue.record("the same outcome again is not a refusal")
            return
        }
        #expect(try ledger.queuedAnswers().isEmpty)
    }

    @Test func anOutcomeOutsideTheKindsWordsIsRefused() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "SK-0037")
        _ = try give(ledger, .accept, id)
        let verdict = try give(ledger, .complete, id, "来所")
        #expect(verdict.isRefusal && verdict.sentence.japanese.contains("就職、修学、職場体験"))
    }

    @Test func anOutcomeTypedFullWidthIsTheKindsWordAndAFullWidthIdIsTheId() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "SK-0042")
        let baseOutcomes = AgencyProfile.employmentBase.outcomes
        _ = try give(ledger, .accept, id)
        // A Japanese input method types the colon full-width; the kind's word has the plain one.
        let verdict = try AgencyAnswers.give(.complete, id: id, detail: "一般就労：農業　", ledger: ledger,
                                             outcomes: baseOutcomes, names: names)
        #expect(!verdict.isRefusal, "\(verdict.sentence.japanese)")
        #expect(try ledger.queuedAnswers().map(\.detail) == [nil, "一般就労:農業"])
        #expect(AgencyAnswers.referralID(typed: "ＳＫ－００４２") == id)
        #expect(AgencyAnswers.referralID(typed: "ＳＫ　００４２") == nil)
    }

    @Test func withdrawAfterAcceptIsRefused() throws {
        let ledger = try openLedger()
        let referral = try Fixtures.referral(id: "SK-0038", from: "saposute.kochi", to: "peer-support.kochi")
        try ledger.recordSent(referral, sourceFile: "a.json")
        try ledger.apply(StatusUpdate(sequence: 1, referral: referral.id, state: .accepted, actor: Self.peer,
                                      at: "2026-12-02T01:00:00.000Z", detail: nil))
        let verdict = try give(ledger, .withdraw, referral.id, "本人の希望")
        #expect(verdict.isRefusal)
        #expect(verdict.sentence.japanese.hasPrefix("SK-0038 は12月2日に高知ひきこもりピアサポートセンター（本部）が受け入れ済みです"))
        #expect(try ledger.queuedAnswers().isEmpty)
    }

    @Test func withdrawingADeclinedOrCompletedReferralSaysSoToTheSender() throws {
        let ledger = try openLedger()
        let declined = try Fixtures.referral(id: "SK-0043", from: "saposute.kochi", to: "peer-support.kochi")
        let completed = try Fixtures.referral(id: "SK-0044", from: "saposute.kochi", to: "peer-support.kochi")
        try ledger.recordSent(declined, sourceFile: "a.json")
        try ledger.recordSent(completed, sourceFile: "b.json")
        try ledger.apply(StatusUpdate(sequence: 1, referral: declined.id, state: .declined, actor: Self.peer,
                                      at: "2026-12-02T01:00:00.000Z", detail: "定員のため"))
        try ledger.apply(StatusUpdate(sequence: 2, referral: completed.id, state: .accepted, actor: Self.peer,
                                      at: "2026-12-02T01:00:00.000Z", detail: nil))
        try ledger.apply(StatusUpdate(sequence: 3, referral: completed.id, state: .completed, actor: Self.peer,
                                      at: "2026-12-02T02:00:00.000Z", detail: "継続相談"))
        let afterDecline = try give(ledger, .withdraw, declined.id, "本人の希望")
        #expect(afterDecline.sentence.japanese == "SK-0043 は12月2日に高知ひきこもりピアサポートセンター（本部）が受け入れできないと回答済みです（定員のため）。受け入れられていないので、取り下げる必要はありません。")
        let afterCompletion = try give(ledger, .withdraw, completed.id, "本人の希望")
        #expect(afterCompletion.isRefusal && afterCompletion.sentence.japanese.hasSuffix("完了（継続相談）として記録済みです。支援が終わった紹介は取り下げられません。"))
        #expect(try ledger.queuedAnswers().isEmpty)
    }

    @Test func answeringSomeoneElsesReferralIsRefused() throws {
        let ledger = try openLedger()
        let sent = try Fixtures.referral(id: "SK-0039", from: "saposute.kochi", to: "peer-support.kochi")
        try ledger.recordSent(sent, sourceFile: "a.json")
        let accept = try give(ledger, .accept, sent.id)
        #expect(accept.isRefusal && accept.sentence.japanese.contains("紹介先の高知ひきこもりピアサポートセンター（本部）が行います"))
        let arrived = try received(ledger, "PS-0040")
        let withdraw = try give(ledger, .withdraw, arrived, "誤送信")
        #expect(withdraw.isRefusal && withdraw.sentence.japanese.contains("取り下げは紹介元"))
        let unknown = try give(ledger, .accept, ReferralID(rawValue: "NO-SUCH")!)
        #expect(unknown.isRefusal && unknown.sentence.japanese.contains("NO-SUCH"))
        #expect(try ledger.queuedAnswers().isEmpty)
    }

    @Test func aWithdrawalErasesThePersonalPartAndKeepsTheHistory() throws {
        let ledger = try openLedger()
        let id = try received(ledger, "PS-0041")
        try ledger.apply(StatusUpdate(sequence: 9, referral: id, state: .withdrawn, actor: Self.peer,
                                      at: "2026-12-02T01:00:00.000Z", detail: "本人の希望"))
        let found = try #require(try ledger.referralCase(id))
        #expect(found.entry.referral.personal.isEmpty && found.entry.personalErasedAt != nil)
        #expect(found.entry.referral.routing.municipality == "高知市")
        #expect(found.events.map(\.state) == [.delivered, .withdrawn])
        let verdict = try give(ledger, .accept, id)
        #expect(verdict.isRefusal && verdict.sentence.japanese.contains("取り下げました（本人の希望）"))
    }

    @Test func aLedgerInAGroupWritableFolderIsSharedWithTheStaffGroup() throws {
        let folder = try Fixtures.temporaryFolder()
        chmod(folder, 0o2770)
        let ledger = try AgencyLedger(path: (folder as NSString).appendingPathComponent("ledger.sqlite"))
        let mode = try FileManager.default.attributesOfItem(atPath: ledger.path)[.posixPermissions] as? Int
        #expect(mode == 0o660)
    }
}

@Suite struct StaffLanguageTests {
    @Test func japaneseUnlessAskedOrTheLocaleIsEnglish() {
        #expect(StaffLanguage.resolve(option: nil, environment: [:]) == .ja)
        #expect(StaffLanguage.resolve(option: nil, environment: ["LANG": "ja_JP.UTF-8"]) == .ja)
        #expect(StaffLanguage.resolve(option: nil, environment: ["LANG": "C"]) == .en)
        #expect(StaffLanguage.resolve(option: nil, environment: ["LANG": "en_US.UTF-8"]) == .en)
        #expect(StaffLanguage.resolve(option: nil, environment: ["LANG": "C.UTF-8"]) == .en)
        #expect(StaffLanguage.resolve(option: nil, environment: ["LC_ALL": "ja_JP.UTF-8", "LANG": "C"]) == .ja)
        #expect(StaffLanguage.resolve(option: "en", environment: ["LANG": "ja_JP.UTF-8"]) == .en)
        #expect(StaffLanguage.resolve(option: "ja", environment: ["LANG": "C"]) == .ja)
    }

    @Test func aRouterRefusalIsSaidInJapaneseWithItsCodeAndInEnglishWithTheRoutersSentence() {
        let sentence = "referral PS-1 is withdrawn; it cannot be accepted from there"
        #expect(StaffWords.routerRefusal(code: 413, sentence: sentence, .ja)
                == "紹介の今の状態ではできない操作です。show で紹介の状態と経過を確かめてください（413 invalid-transition）。")
        #expect(StaffWords.routerRefusal(code: 413, sentence: sentence, .en)
                == "the referral's state does not allow it (413 invalid-transition: \(sentence))")
        for code in ErrorCode.allCases {
            let line = StaffWords.routerRefusal(code: code.rawValue, sentence: sentence, .ja)
            #expect(!line.contains("withdrawn") && line.hasSuffix("（\(code.rawValue) \(code.name)）。"), "\(line)")
            #expect(line.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) }, "\(line) is Japanese")
        }
        // A refusal recorded before its code was kept: its English sentence stays out of the Japanese line.
        let uncoded = StaffWords.routerRefusal(code: nil, sentence: sentence, .ja)
        #expect(!uncoded.contains("withdrawn") && uncoded.contains("--lang en"))
    }

    @Test func timesAreJapanTime() {
        #expect(StaffWords.time("2026-12-02T01:05:00.000Z", .ja) == "2026-12-02 10:05")
        #expect(StaffWords.day("2026-12-01T15:30:00Z").japanese == "12月2日")
    }
}
