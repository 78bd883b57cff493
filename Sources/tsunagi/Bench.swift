import ArgumentParser
import Foundation
import TsunagiTools

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure durable submits, end-to-end hand-offs and a large store against the performance targets.")

    @Option(help: "Referrals to submit for the throughput run.") var submits = 100_000
    @Option(help: "Submits kept in flight at once, spread over the senders.") var inFlight = 64
    @Option(help: "Simulated sending agencies.") var senders = 4
    @Option(help: "End-to-end hand-offs per second.") var rate = 500
    @Option(help: "Seconds of end-to-end hand-offs (0 skips them).") var seconds = 10
    @Option(help: "Referrals to fill the store with for the large-store timings (0 skips them).") var fill = 0
    @Option(help: "Folder for the bench network (default: a new temporary one).") var directory: String?
    @Flag(help: "Print the figures as JSON.") var json = false
    @Flag(help: "Only measure the in-process cost of each stage of a submit (decode, encode, store).") var stages = false

    @Flag(help: "Only measure sealing and opening a personal part (µs each, in-process).") var sealing = false

    func run() throws {
        if sealing {
            let costs = try SealingCosts.measure()
            print(String(format: "seal %.1f µs (CPU %.1f), open %.1f µs (CPU %.1f) per personal part (%d bytes of plaintext, %d of envelope); the router's check %.2f µs",
                         costs.sealMicroseconds, costs.sealCPUMicroseconds, costs.openMicroseconds, costs.openCPUMicroseconds,
                         costs.plaintextBytes, costs.envelopeBytes, costs.admissionMicroseconds))
            return
        }
        if stages {
            let directory = NSTemporaryDirectory() + "tsunagi-stages-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let costs = try StageCosts.measure(batchSize: Int(ProcessInfo.processInfo.environment["STAGE_BATCH"] ?? "64") ?? 64, directory: directory)
            print(String(format: "decode+validate %.1f µs, canonical encode %.1f µs, store %.1f µs per referral (batches of %d)",
                         costs.decodeMicroseconds, costs.canonicalEncodeMicroseconds, costs.storeMicrosecondsPerReferral, costs.batchSize))
            return
        }
        var options = BenchOptions(executableDirectory: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path)
        options.submits = submits
        options.inFlight = inFlight
        options.senders = senders
        options.handoffRate = rate
        options.handoffSeconds = seconds
        options.fill = fill
        options.directory = directory
        let report = try BenchRunner.run(options) { line in
            FileHandle.standardError.write(Data("· \(line)\n".utf8))
        }
        print(json ? BenchFormatting.json(report) : BenchFormatting.table(report))
    }
}
