import Foundation
import TsunagiCore
import TsunagiStore

/// Per-referral cost of each stage of the router's path, measured in-process: where the time of
/// a durable submit goes, without the network.
public struct StageCosts: Sendable, Codable {
    public let decodeMicroseconds: Double
    public let canonicalEncodeMicroseconds: Double
    public let storeMicrosecondsPerReferral: Double
    public let batchSize: Int

    public static func measure(count: Int = 20_000, batchSize: Int = 64, directory: String) throws -> StageCosts {
        let referrals = (0..<count).map {
            BenchReferrals.make(number: $0, sender: AgencyID("peer-support.kochi"), destination: AgencyID("saposute.kochi"), run: 9)
        }
        let frames = referrals.map { WorkerMessage.submit($0).frames() }
        let clock = ContinuousClock()
        var decoded: [Referral] = []
        decoded.reserveCapacity(count)
        let decodeTime = try clock.measure {
            for message in frames {
                if case .submit(let referral) = try WorkerMessage.decode(message) { decoded.append(referral) }
            }
        }
        var bytes = 0
        let encodeTime = clock.measure {
            for referral in decoded { bytes &+= referral.routing.canonicalJSON().count }
        }
        let store = try RouterStore(path: "\(directory)/stage-costs.sqlite")
        let due = CivilDate(year: 2026, month: 12, day: 1)!
        let storeTime = try clock.measure {
            var index = 0
            while index < decoded.count {
                let batch = decoded[index..<min(index + batchSize, decoded.count)].map { StoreRequest.submit($0, dueDay: due) }
                _ = try store.apply(batch)
                index += batchSize
            }
        }
        try store.close()
        return StageCosts(
            decodeMicroseconds: decodeTime.milliseconds * 1000 / Double(count),
            canonicalEncodeMicroseconds: encodeTime.milliseconds * 1000 / Double(count),
            storeMicrosecondsPerReferral: storeTime.milliseconds * 1000 / Double(count),
            batchSize: batchSize)
    }
}
