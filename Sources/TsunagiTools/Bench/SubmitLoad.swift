import Foundation
import Synchronization
import TsunagiCore
import ZeroMQ

/// One simulated sending agency: a CURVE DEALER on its own thread that keeps `inFlight` submits
/// outstanding and times each from send to SUBMITTED (which the router sends after fsync).
struct SubmitLoad: Sendable {
    let endpoint: String
    let serverKey: CurveKey
    let keyPair: CurveKeyPair
    let frames: [[[UInt8]]]
    let ids: [ReferralID]
    let inFlight: Int

    struct Result: Sendable {
        var latencies = LatencyRecorder()
        var acknowledged = 0
        var refused = 0
        var elapsed: Duration = .zero
    }

    /// Runs on the calling thread until every submit is answered or `limit` passes.
    func run(context: Context, startGate: DispatchSemaphore, limit: Duration) throws -> Result {
        let socket = try Socket(context, type: .dealer)
        try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair)
        try socket.set(.sendHighWaterMark, 0)
        try socket.set(.receiveHighWaterMark, 0)
        try socket.connect(endpoint)
        try socket.send(WorkerMessage.hello(software: "bench").frames())
        while true {
            guard let reply = try socket.receive(timeoutMilliseconds: 10_000) else { throw BenchError("the router did not answer HELLO") }
            if case .welcome = try RouterMessage.decode(reply.frames) { break }
        }
        startGate.wait()
        let clock = ContinuousClock()
        var sentAt: [ReferralID: ContinuousClock.Instant] = [:]
        sentAt.reserveCapacity(inFlight * 2)
        var result = Result()
        var next = 0
        let started = clock.now
        let deadline = started.advanced(by: limit)
        while result.acknowledged + result.refused < frames.count, clock.now < deadline {
            while next < frames.count, sentAt.count < inFlight {
                sentAt[ids[next]] = clock.now
                try socket.send(frames[next])
                next += 1
            }
            guard let reply = try socket.receive(timeoutMilliseconds: 1_000) else { continue }
            let now = clock.now
            switch try RouterMessage.decode(reply.frames) {
            case .submitted(let id, _):
                if let sent = sentAt.removeValue(forKey: id) {
                    result.latencies.record(now - sent)
                    result.acknowledged += 1
                }
            case .error(_, _, let referral):
                if let id = ReferralID(rawValue: referral), sentAt.removeValue(forKey: id) != nil { result.refused += 1 }
            default:
                break
            }
        }
        result.elapsed = clock.now - started
        return result
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
