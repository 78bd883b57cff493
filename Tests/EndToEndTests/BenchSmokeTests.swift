import Foundation
import Testing
import TsunagiTestSupport

/// `tsunagi bench` runs end to end on a small load and accounts for every referral. Its timings
/// are not judged here: they belong in docs/BENCHMARKS.md.
@Suite("tsunagi bench", .timeLimit(.minutes(3)))
struct BenchSmokeTests {
    @Test("a small run acknowledges every submit and times every hand-off")
    func smallRun() throws {
        let directory = makeTemporaryDirectory("tsunagi-bench-smoke")
        let output = "\(directory)/report.json"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltExecutables.path("tsunagi"))
        process.arguments = ["bench", "--submits", "400", "--seconds", "1", "--rate", "50", "--json", "--directory", "\(directory)/net"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let deadline = ContinuousClock.now.advanced(by: .seconds(150))
        while process.isRunning, ContinuousClock.now < deadline { usleep(50_000) }
        try #require(!process.isRunning, "the bench did not finish")
        #expect(process.terminationStatus == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        let submits = try #require(report["durableSubmits"] as? [String: Any])
        #expect(submits["referrals"] as? Int == 400)
        #expect(submits["refused"] as? Int == 0)
        // The machine's CPU during the run: the senders and the router kept it busy.
        let busy = try #require(submits["machineBusyPercent"] as? Double)
        let steal = try #require(submits["hostStealPercent"] as? Double)
        #expect(busy > 0 && busy <= 100)
        #expect(steal >= 0 && steal <= 100)
        let handoff = try #require(report["handoff"] as? [String: Any])
        #expect(handoff["referrals"] as? Int == 50)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
