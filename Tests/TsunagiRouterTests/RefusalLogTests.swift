import Testing
@testable import TsunagiRouter

/// The refusal log's rate limit, on an injected clock.
@Suite("Refusal log rate limit")
struct RefusalLogTests {
    let start = ContinuousClock.now
    let flood = RefusalLog.Key(subject: "welfare-office.aki", reason: "403 bad-json")

    @Test("a burst: the first five in full, the rest counted, one summary when the minute ends")
    func burst() {
        var log = RefusalLog(now: start)
        let inFull = (1...1_000).filter { _ in log.note(flood) }.count
        #expect(inFull == 5)
        let early = log.endWindow(now: start + .seconds(59))
        #expect(early == [], "a summary before the minute ended")
        let ended = log.endWindow(now: start + .seconds(60))
        #expect(ended == [RefusalLog.Summary(key: flood, refused: 1_000, suppressed: 995)])
        // A new minute: five in full again, and no summary for a minute without excess.
        let again = (1...3).filter { _ in log.note(flood) }.count
        #expect(again == 3)
        let quiet = log.endWindow(now: start + .seconds(121))
        #expect(quiet == [])
    }

    @Test("limits are per agency and per code")
    func perAgencyAndCode() {
        var log = RefusalLog(now: start)
        let otherCode = RefusalLog.Key(subject: "welfare-office.aki", reason: "404 invalid-referral")
        let otherAgency = RefusalLog.Key(subject: "saposute.kochi", reason: "403 bad-json")
        for _ in 1...10 { _ = log.note(flood) }
        let codeLogged = log.note(otherCode)
        let agencyLogged = log.note(otherAgency)
        #expect(codeLogged && agencyLogged)
        let summarized = log.endWindow(now: start + .seconds(60)).map(\.key)
        #expect(summarized == [flood])
    }
}
