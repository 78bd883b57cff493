import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiSealing

/// The bench seals personal parts as a worker does, so that the router is measured on what a
/// sealed network sends (the envelope is 75 bytes longer than the plaintext).
struct BenchSealing {
    let keys: [AgencyID: SealingKeyPair]

    /// Every agency's sealing key pair from a network made by `tsunagi init`.
    init(network: NetworkInit.Result) throws {
        var keys: [AgencyID: SealingKeyPair] = [:]
        for agency in SeedAgencies.all {
            let path = "\(network.directory)/keys/\(agency.id).seal.key"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            keys[agency.id] = try SealingKeyFiles.loadKeyPair(path)
        }
        self.keys = keys
    }

    func seal(_ referral: Referral) throws -> Referral {
        guard let sender = keys[referral.routing.from], let recipient = keys[referral.routing.to] else { return referral }
        return Referral(routing: referral.routing,
                        personal: try PersonalPartSealing.seal(referral.personal, for: referral.routing, to: recipient.publicKey, from: sender))
    }
}

/// What sealing costs per referral: one seal at the sender, one open at the destination.
public struct SealingCosts: Sendable, Codable {
    public let sealMicroseconds: Double
    public let openMicroseconds: Double
    /// CPU time of the measuring thread per seal and per open: what a loaded machine's wall clock hides.
    public let sealCPUMicroseconds: Double
    public let openCPUMicroseconds: Double
    /// The router's added work per SUBMIT: the envelope's form and its key ids against the registry.
    public let admissionMicroseconds: Double
    public let plaintextBytes: Int
    public let envelopeBytes: Int

    public static func measure(count: Int = 5_000) throws -> SealingCosts {
        let sender = SealingKeyPair.generate(), destination = SealingKeyPair.generate()
        let referrals = (0..<count).map {
            BenchReferrals.make(number: $0, sender: AgencyID("peer-support.kochi"), destination: AgencyID("saposute.kochi"), run: 5)
        }
        let clock = ContinuousClock()
        var envelopes: [[UInt8]] = []
        envelopes.reserveCapacity(count)
        let cpuBeforeSeal = threadCPUSeconds()
        let sealTime = try clock.measure {
            for referral in referrals {
                envelopes.append(try PersonalPartSealing.seal(referral.personal, for: referral.routing, to: destination.publicKey, from: sender))
            }
        }
        let cpuAfterSeal = threadCPUSeconds()
        var opened = 0
        let openTime = try clock.measure {
            for (referral, envelope) in zip(referrals, envelopes) {
                opened += try PersonalPartSealing.open(envelope, for: referral.routing, ownKeys: [destination], senderKeys: [sender.publicKey]).get().count
            }
        }
        let cpuAfterOpen = threadCPUSeconds()
        precondition(opened == count * BenchReferrals.personal.count, "an envelope did not open to its plaintext")
        var refused = 0
        let admissionTime = clock.measure {
            for (referral, envelope) in zip(referrals, envelopes) {
                let sealed = Referral(routing: referral.routing, personal: envelope)
                if SealingAdmission.refusal(for: sealed, destinationKeys: [destination.id], senderKeys: [sender.id]) != nil { refused += 1 }
            }
        }
        precondition(refused == 0, "the router's check refused a well-formed envelope")
        return SealingCosts(sealMicroseconds: sealTime.milliseconds * 1000 / Double(count),
                            openMicroseconds: openTime.milliseconds * 1000 / Double(count),
                            sealCPUMicroseconds: (cpuAfterSeal - cpuBeforeSeal) * 1e6 / Double(count),
                            openCPUMicroseconds: (cpuAfterOpen - cpuAfterSeal) * 1e6 / Double(count),
                            admissionMicroseconds: admissionTime.milliseconds * 1000 / Double(count),
                            plaintextBytes: BenchReferrals.personal.count, envelopeBytes: envelopes[0].count)
    }
}

/// CPU seconds the calling thread has used.
private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
