import Foundation
import Testing
import TsunagiCore

@Suite("Timestamps")
struct TimestampTests {
    @Test("agrees with Foundation's ISO 8601 parser", arguments: [
        "2026-11-27T09:30:00+09:00", "2026-11-27T00:30:00Z", "2024-02-29T23:59:59-05:30",
        "2026-11-27T09:30:00.250+09:00", "1999-12-31T15:00:00.123456Z", "2026-01-01T00:00:00+00:00",
    ])
    func agreesWithFoundation(_ text: String) throws {
        let foundation = try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains(".")))
        let ours = try #require(Timestamp.epochSeconds(text))
        #expect(abs(ours - foundation.timeIntervalSince1970) < 0.001)
    }

    @Test("refuses what is not a full time with an offset", arguments: [
        "", "2026-11-27", "2026-11-27T09:30:00", "2026-11-27 09:30:00+09:00", "2026-02-30T09:30:00Z",
        "2026-13-01T09:30:00Z", "2026-11-27T24:00:00Z", "2026-11-27T09:60:00Z", "2026-11-27T09:30:00+9:00",
        "2026-11-27T09:30:00.Z", "2026-11-27T09:30:00Zjunk", "yesterday at nine", "２０２６-11-27T09:30:00Z",
    ])
    func refusesOthers(_ text: String) {
        #expect(Timestamp.epochSeconds(text) == nil)
    }

    @Test("blank means only white space, including the ideographic space")
    func blank() {
        #expect("".isBlank && " \t\n".isBlank && "\u{3000}".isBlank)
        #expect(!"就職".isBlank && !" a ".isBlank)
    }
}
