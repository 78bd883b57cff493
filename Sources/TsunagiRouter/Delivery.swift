import Foundation
import Logging
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// Delivery: referrals and status updates to the connected agencies, within a window of 256
/// unconfirmed each, oldest first from the store, repeated with back-off until confirmed.
extension RouterLoop {
    /// Sends a referral just stored (or sealed again) to its destination, or leaves it to the
    /// store's backlog, read from `deliveryCursor` on. Sent, it moves the cursor up to it: with
    /// nothing older waiting, the next read of the backlog need not pass over what went straight
    /// out. Left, a referral sealed again sits before the cursor, so the cursor moves back to it.
    mutating func deliverNow(_ referral: Referral, sequence: Int64, socket: borrowing Socket, now: ContinuousClock.Instant) {
        let agency = referral.routing.to
        guard let (routingID, hasRoom) = links[agency].map({
            ($0.routingID, !$0.backlog && $0.deliveries.count < WireProtocol.deliveryWindow)
        }) else { return }
        // Keep order: while older ones wait in the store, this one waits behind them.
        guard hasRoom else {
            links[agency]!.backlog = true
            links[agency]!.deliveryCursor = min(links[agency]!.deliveryCursor, sequence - 1)
            return
        }
        let message = RouterMessage.deliver(referral)
        // Changed in place: a copy of the link taken out of `links` would copy its whole window.
        links[agency]!.deliveries[referral.id] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
        links[agency]!.deliveryCursor = max(links[agency]!.deliveryCursor, sequence)
        send(message, to: routingID, agency: agency, socket: socket)
    }

    mutating func notify(_ notice: Notice, socket: borrowing Socket, now: ContinuousClock.Instant) {
        let agency = notice.agency
        guard let (routingID, hasRoom) = links[agency].map({
            ($0.routingID, !$0.backlog && $0.notices.count < WireProtocol.deliveryWindow)
        }) else { return }
        guard hasRoom else {
            links[agency]!.backlog = true
            return
        }
        let message = RouterMessage.status(notice.update)
        links[agency]!.notices[notice.update.sequence] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
        send(message, to: routingID, agency: agency, socket: socket)
    }

    mutating func redeliverOverdue(_ agency: AgencyID, socket: borrowing Socket, now: ContinuousClock.Instant) {
        guard var link = links[agency] else { return }
        var due: [RouterMessage] = []
        for (id, flight) in link.deliveries where now - flight.sentAt > Self.backoff(flight.attempts) {
            link.deliveries[id] = AgencyLink.InFlight(sentAt: now, attempts: flight.attempts + 1, message: flight.message)
            due.append(flight.message)
        }
        for (sequence, flight) in link.notices where now - flight.sentAt > Self.backoff(flight.attempts) {
            link.notices[sequence] = AgencyLink.InFlight(sentAt: now, attempts: flight.attempts + 1, message: flight.message)
            due.append(flight.message)
        }
        links[agency] = link
        router.counters.countRedeliveries(due.count)
        for message in due { send(message, to: link.routingID, agency: agency, socket: socket) }
    }

    static func backoff(_ attempts: Int) -> Duration {
        let millis = min(WireProtocol.redeliveryMaximumMilliseconds,
                         WireProtocol.redeliveryInitialMilliseconds << min(attempts - 1, 10))
        return .milliseconds(millis)
    }

    /// Fills the agency's windows from the store, oldest first.
    mutating func refill(_ agency: AgencyID, socket: borrowing Socket, now: ContinuousClock.Instant) {
        guard var link = links[agency] else { return }
        var outgoing: [RouterMessage] = []
        do {
            var exhausted = true
            let room = WireProtocol.deliveryWindow - link.deliveries.count
            if room > 0 {
                let batch = try router.store.undelivered(to: agency, afterSequence: link.deliveryCursor, limit: room)
                if batch.count == room { exhausted = false }
                for stored in batch {
                    link.deliveryCursor = max(link.deliveryCursor, stored.sequence)
                    guard link.deliveries[stored.referral.id] == nil else { continue }
                    let message = RouterMessage.deliver(stored.referral)
                    link.deliveries[stored.referral.id] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
                    outgoing.append(message)
                }
            } else {
                exhausted = false
            }
            let noticeRoom = WireProtocol.deliveryWindow - link.notices.count
            if noticeRoom > 0 {
                let updates = try router.store.unacknowledgedNotices(for: agency, afterSequence: link.noticeCursor, limit: noticeRoom)
                if updates.count == noticeRoom { exhausted = false }
                for update in updates {
                    link.noticeCursor = max(link.noticeCursor, update.sequence)
                    guard link.notices[update.sequence] == nil else { continue }
                    let message = RouterMessage.status(update)
                    link.notices[update.sequence] = AgencyLink.InFlight(sentAt: now, attempts: 1, message: message)
                    outgoing.append(message)
                }
            } else {
                exhausted = false
            }
            // Resend requests from a reconcile: asked once, then forgotten in the next batch (a
            // later reconcile asks again). Only read here: the loop never waits on a write.
            let asked = try router.store.resendRequests(for: agency).filter { !link.resendsAsked.contains($0) }
            if !asked.isEmpty {
                link.resendsAsked.formUnion(asked)
                outgoing.append(contentsOf: asked.map(RouterMessage.resend))
                openBatch.append(Self.forgetting(asked, askedOf: agency))
            }
            link.backlog = !exhausted
        } catch {
            logger.error("cannot read the backlog", metadata: ["agency": "\(agency)", "error": "\(error)"])
        }
        links[agency] = link
        for message in outgoing { send(message, to: link.routingID, agency: agency, socket: socket) }
    }
}
