import Foundation
import Synchronization
import Testing
import TsunagiCore
import TsunagiStore
import TsunagiTestSupport

/// Faults around the workers: the router killed while they submit, a destination away for a while.
@Suite("Faults: crashes and absences", .serialized)
struct WorkerFaultTests {
    /// One worker of each kind; each sends to the next one round the ring.
    static let ring = [AgencyID("peer-support.kochi"), AgencyID("saposute.kochi"), AgencyID("employment-base.chubu"), AgencyID("welfare-office.susaki")]

    @Test("the router killed with kill -9 five times while four workers submit: every acknowledged referral is stored and delivered exactly once",
          .timeLimit(.minutes(3)))
    func routerKilledWhileWorkersSubmit() throws {
        let harness = try RouterHarness()
        var workers: [DaemonProcess] = []
        defer {
            for worker in workers { worker.crash() }
            harness.crashRouter()
        }
        try harness.startRouter()
        for agency in Self.ring { workers.append(try harness.startWorker(agency)) }

        // Four submitters drop a referral each into their outbox every 40 ms until told to stop.
        let submitters = Submitters()
        let dropping = DispatchGroup()
        for (index, agency) in Self.ring.enumerated() {
            let destination = Self.ring[(index + 1) % Self.ring.count]
            DispatchQueue.global().async(group: dropping) {
                var number = 0
                while !submitters.stop.load(ordering: .relaxed) {
                    number += 1
                    let id = "\(agency.kind)-\(String(format: "%05d", number))"
                    do {
                        try harness.drop(SampleReferral.document(id: id, from: agency, to: destination), named: "\(id).json", into: agency)
                        submitters.dropped.withLock { $0[agency, default: []].append(id) }
                    } catch {
                        Issue.record("cannot drop \(id): \(error)")
                        return
                    }
                    usleep(40_000)
                }
            }
        }
        defer {
            submitters.stop.store(true, ordering: .relaxed)
            dropping.wait()
        }

        var generator = SystemRandomNumberGenerator()
        for _ in 1...5 {
            usleep(UInt32.random(in: 500_000...1_500_000, using: &generator))
            harness.crashRouter()
            try harness.startRouter()
        }
        usleep(500_000)
        submitters.stop.store(true, ordering: .relaxed)
        dropping.wait()
        let sentIDs = submitters.dropped.withLock { $0 }
        let total = sentIDs.values.map(\.count).reduce(0, +)
        #expect(total > 100, "the submitters dropped only \(total) referrals")

        for worker in workers {
            #expect(worker.isRunning, "worker \(worker.name) died (status \(worker.exitStatus ?? 0)) while the router was killed:\n\(worker.log.suffix(3_000))")
        }
        // Settle: every outbox drained, every sent referral acknowledged and in its destination's ledger.
        let settled = try waitUntil(.seconds(60), interval: .milliseconds(250)) {
            for (index, agency) in Self.ring.enumerated() {
                guard harness.files(agency, "outbox").isEmpty else { return false }
                let sent = try harness.ledger(agency).sent()
                guard sent.count == sentIDs[agency]!.count, sent.allSatisfy(\.acknowledged) else { return false }
                let destination = Self.ring[(index + 1) % Self.ring.count]
                guard try harness.ledger(destination).received().count == sent.count else { return false }
            }
            return true
        }
        #expect(settled, "the network did not settle within 60 s\n\(harness.logs())")

        let reader = try harness.reader()
        var storedTotal = 0
        for (index, agency) in Self.ring.enumerated() {
            let destination = Self.ring[(index + 1) % Self.ring.count]
            let sent = try harness.ledger(agency).sent()
            let received = try harness.ledger(destination).received()
            let receivedIDs = received.map(\.referral.id.rawValue)
            let inbox = harness.files(destination, "inbox")
            #expect(Set(sent.map(\.referral.id.rawValue)) == Set(sentIDs[agency]!), "\(agency): the ledger's sent referrals are not the files dropped")
            #expect(inbox.count == Set(inbox).count)
            #expect(harness.files(agency, "sent").count == sentIDs[agency]!.count, "\(agency): not every file reached sent/")
            #expect(harness.files(agency, "rejected").isEmpty, "\(agency) rejected files")
            for entry in sent where entry.acknowledged {
                let id = entry.referral.id
                let history = try reader.history(of: id)
                #expect(history.filter { $0.state == .submitted }.count == 1, "\(id) is not in the router's store exactly once: \(history)")
                #expect(receivedIDs.contains(id.rawValue), "\(id) is not in \(destination)'s ledger")
                let deliveries = try LedgerEvents.count(in: harness.folder(destination, "ledger.sqlite"), referral: id, direction: .received, state: .delivered)
                #expect(deliveries == 1, "\(destination)'s ledger recorded \(id) as delivered \(deliveries) times")
                #expect(inbox.contains("\(id).json"), "\(id) is not in \(destination)'s inbox")
            }
            #expect(inbox.count == sent.count, "\(destination)'s inbox holds \(inbox.count) files for \(sent.count) referrals")
            storedTotal += sent.count
        }
        // Nothing else in the store: no referral under a second row, no stray one.
        let counts = try reader.countsByState()
        #expect(counts.values.reduce(0, +) == total, "the store holds \(counts) for \(total) referrals dropped")
        #expect(storedTotal == total)
        #expect(try reader.verify().isEmpty)
    }

    @Test("a destination down while 200 referrals pile up gets them all, once each, oldest first", .timeLimit(.minutes(2)))
    func destinationDownWhileReferralsPileUp() throws {
        let sender = AgencyID("peer-support.hata")
        let destination = AgencyID("welfare-office.aki")
        let harness = try RouterHarness()
        var workers: [DaemonProcess] = []
        defer {
            for worker in workers { worker.crash() }
            harness.crashRouter()
        }
        try harness.startRouter()
        workers.append(try harness.startWorker(sender))
        let ids = (1...200).map { "ph-\(String(format: "%04d", $0))" }
        for id in ids {
            try harness.drop(SampleReferral.document(id: id, from: sender, to: destination), named: "\(id).json", into: sender)
        }
        let reader = try harness.reader()
        let piledUp = try waitUntil(.seconds(30), interval: .milliseconds(100)) {
            try reader.countsByState()[.submitted] == ids.count && harness.ledger(sender).sent().allSatisfy(\.acknowledged)
        }
        #expect(piledUp, "the router did not acknowledge all 200 referrals\n\(harness.logs())")
        #expect(harness.files(destination, "inbox").isEmpty)

        workers.append(try harness.startWorker(destination))
        let arrived = try waitUntil(.seconds(60), interval: .milliseconds(100)) {
            try reader.countsByState()[.delivered] == ids.count
        }
        #expect(arrived, "the destination did not confirm all 200 referrals\n\(harness.logs())")
        let received = try harness.ledger(destination).received().map(\.referral.id.rawValue)
        #expect(received.count == ids.count && Set(received) == Set(ids), "received \(received.count) referrals")
        #expect(harness.files(destination, "inbox") == ids.map { "\($0).json" })
        // Oldest first: the ledger (ordered by arrival) follows the router's order of submission.
        let sequences = try received.map { try reader.summary(of: ReferralID(rawValue: $0)!)!.sequence }
        #expect(sequences == sequences.sorted(), "the destination's ledger is not in the order the router stored them")
        #expect(try reader.verify().isEmpty)
    }
}

/// What the submitters of the crash test share: the ids each dropped, and when to stop.
private final class Submitters: Sendable {
    let dropped = Mutex<[AgencyID: [String]]>([:])
    let stop = Atomic<Bool>(false)
}
