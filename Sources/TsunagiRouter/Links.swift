import Foundation
import Logging
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import ZeroMQ

/// What the router knows about one connected agency's worker.
struct AgencyLink {
    var routingID: [UInt8]
    /// The public key (Z85) the connection authenticated with.
    var key: String
    var lastHeard: ContinuousClock.Instant
    /// Deliveries sent and not yet confirmed, by referral id.
    var deliveries: [ReferralID: InFlight] = [:]
    /// Status updates sent and not yet acknowledged, by event sequence.
    var notices: [Int64: InFlight] = [:]
    /// Where the next read of the store's backlog starts: past every referral read from it or
    /// sent straight after its commit, before any sealed again while the window was full.
    var deliveryCursor: Int64 = 0
    var noticeCursor: Int64 = 0
    /// The store may hold more for this agency than is in flight.
    var backlog = true
    /// Resend requests passed on, until the store has forgotten them.
    var resendsAsked: Set<ReferralID> = []

    struct InFlight {
        var sentAt: ContinuousClock.Instant
        var attempts: Int
        var message: RouterMessage
    }
}

/// Links: one per connected agency, by the key it authenticated with; sending never blocks the
/// loop, and a connection gone, silent or revoked is forgotten (what it missed stays in the store).
extension RouterLoop {
    mutating func noteHeard(_ agency: AgencyID, routingID: [UInt8], key: String, at now: ContinuousClock.Instant) {
        if links[agency]?.routingID == routingID {
            links[agency]!.lastHeard = now
        } else {
            // A new connection (or the first): whatever was in flight to the old one is sent again.
            links[agency] = AgencyLink(routingID: routingID, key: key, lastHeard: now)
            logger.info("agency connected", metadata: ["agency": "\(agency)"])
        }
    }

    mutating func resetLink(_ agency: AgencyID) {
        guard let link = links[agency] else { return }
        links[agency] = AgencyLink(routingID: link.routingID, key: link.key, lastHeard: link.lastHeard)
    }

    /// Sends without ever blocking the loop. A peer that is gone or full is dropped from the
    /// links: what it missed stays in the store and goes again when it returns.
    mutating func send(_ message: RouterMessage, to routingID: [UInt8], agency: AgencyID?, socket: borrowing Socket) {
        // A reload may have removed the key since the loop last looked: nothing more goes to it.
        if let agency, let link = links[agency], link.routingID == routingID, router.agency(forKey: link.key) != agency {
            dropLink(agency, reason: "its key was removed from the registry")
            return
        }
        do {
            if try !socket.send([routingID] + message.frames(), flags: .dontWait), let agency {
                dropLink(agency, reason: "its queue is full")
            }
        } catch {
            if let agency { dropLink(agency, reason: "\(error)") }
        }
    }

    /// Logs the connections libzmq ended at their greeting (a mechanism other than CURVE). Events
    /// of one connection come in order from the one I/O thread: accepted (its socket), handshake
    /// failed, disconnected (the same socket).
    mutating func readConnectionEvents(_ monitor: borrowing SocketMonitor) {
        while let event = try? monitor.next(timeoutMilliseconds: 0) {
            switch event.kind {
            case .accepted:
                peerAddresses[event.value] = SystemCalls.peerAddress(ofSocket: Int32(bitPattern: event.value))
            case .handshakeFailedProtocol, .handshakeFailedNoDetail:
                failedHandshake = event
            case .disconnected:
                // The address is read when the monitor reports the accept; libzmq may have closed a
                // connection it refused at the greeting before then: the address is unknown then.
                let address = peerAddresses.removeValue(forKey: event.value) ?? "unknown"
                if let failure = failedHandshake {
                    failedHandshake = nil
                    let mismatch = failure.kind == .handshakeFailedProtocol && failure.value == Self.mechanismMismatch
                    router.refusedHandshake(address: address, mechanism: mismatch ? "not CURVE (NULL or PLAIN)" : "not CURVE, or a broken CURVE handshake",
                                            key: "none")
                }
            default:
                break
            }
        }
    }

    /// ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, the value of such a handshake failure.
    static let mechanismMismatch: UInt32 = 0x1100_0002

    /// After a reload: nothing more goes to a connection whose key is no longer registered.
    mutating func dropRevokedLinks() {
        registryVersion = router.registryVersion
        for (agency, link) in links where router.agency(forKey: link.key) != agency {
            dropLink(agency, reason: "its key was removed from the registry")
        }
    }

    mutating func dropLink(_ agency: AgencyID, reason: String) {
        guard links.removeValue(forKey: agency) != nil else { return }
        logger.info("agency disconnected", metadata: ["agency": "\(agency)", "reason": "\(reason)"])
    }
}
