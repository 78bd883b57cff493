import Foundation
import Logging
import Synchronization
import TsunagiClient
import TsunagiCore
import TsunagiRuntime
import TsunagiSealing
import TsunagiStore

/// The worker's side of sealing: seals each sent referral's personal part to the destination's
/// current sealing key (once; the envelope is kept in the ledger for every retry), and opens what
/// is delivered before the delivery is confirmed.
final class WorkerSealing: Sendable {
    let agency: AgencyID
    /// This agency's sealing key pairs, current first.
    let ownKeys: [SealingKeyPair]
    let registryPath: String?
    let ledger: AgencyLedger
    let logger: Logger
    /// The registry as last read, with the file's modification time: re-read when it changes, so
    /// that a rotation reaches senders without a restart.
    private let registry = Mutex<(stamp: Date?, registry: AgencyRegistry?)>((nil, nil))

    /// Loads the agency's sealing secret keys (refusing any readable by others) and checks them
    /// against the registry.
    init(config: WorkerConfig, ledger: AgencyLedger, logger: Logger) throws {
        agency = config.agency
        registryPath = config.registryPath
        self.ledger = ledger
        self.logger = logger
        var keys: [SealingKeyPair] = []
        for path in config.sealingSecretKeyPaths {
            do {
                keys.append(try SealingKeyFiles.loadKeyPair(path))
            } catch {
                throw ConfigError("\(error)")
            }
        }
        ownKeys = keys
        let published = try currentRegistry()?[agency]?.sealingKeys ?? []
        if let current = keys.first {
            guard registryPath != nil else {
                throw ConfigError("sealing needs the registry: set registry = \"…/agencies.toml\" in the worker config, so that the worker finds each destination's sealing key")
            }
            guard published.contains(current.publicKey) else {
                throw ConfigError("this agency's sealing key \(current.id) (the first of sealing_secret_keys) is not in the registry for \(agency)\(published.isEmpty ? "" : ", which lists \(published.map(\.id.description).joined(separator: ", "))"): ask the prefecture to publish its .seal.pub, or list the published key first")
            }
        } else if !published.isEmpty {
            throw ConfigError("the registry lists sealing keys for \(agency) (\(published.map(\.id.description).joined(separator: ", "))), but the worker config names none: add sealing_secret_keys = [\"….seal.key\"]")
        }
    }

    /// The registry, read again if its file changed since the last look.
    func currentRegistry() throws -> AgencyRegistry? {
        guard let path = registryPath else { return nil }
        let stamp = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        if let cached = registry.withLock({ $0.stamp == stamp && stamp != nil ? $0.registry : nil }) { return cached }
        let fresh = try AgencyRegistry.load(path: path)
        registry.withLock { $0 = (stamp, fresh) }
        return fresh
    }

    /// Why referrals of an outbox file cannot be sealed, or nil when all can be. A worker with a
    /// sealing key never sends a personal part unsealed; one without (a config from before
    /// sealing) sends unsealed only to destinations that have not published a key either.
    func cannotSeal(_ referrals: [Referral]) -> String? {
        let registry = try? currentRegistry()
        for referral in referrals {
            let destinationKeys = registry?[referral.routing.to]?.sealingKeys ?? []
            if ownKeys.isEmpty, !destinationKeys.isEmpty {
                return "宛先 \(referral.routing.to) は封緘（暗号化）された本人情報しか受け取りませんが、この事業所のワーカーには封緘鍵がありません。システム担当者に連絡してください（worker config: sealing_secret_keys; tsunagi keygen makes the key）。"
            }
            if !ownKeys.isEmpty, destinationKeys.isEmpty {
                return "宛先 \(referral.routing.to) の封緘鍵がまだ登録されていないため、本人情報を封緘して送れません。県に鍵の登録を依頼し、登録後にこのファイルをもう一度 outbox に置いてください（\(referral.routing.to) has no sealing key in the registry yet）。"
            }
        }
        return nil
    }

    /// The referrals as they go to the router: each personal part sealed once to the destination's
    /// current key and kept in the ledger, so that every retry sends the same bytes. A referral
    /// whose envelope cannot be kept is left out; the ledger resubmits it at the next start.
    func outbound(_ referrals: [Referral]) -> [Referral] {
        referrals.compactMap { referral in
            do {
                if let kept = try ledger.sealedPersonal(of: referral.id) {
                    return Referral(routing: referral.routing, personal: kept)
                }
                guard let envelope = try seal(referral) else { return referral }
                return Referral(routing: referral.routing, personal: try ledger.keepSealedPersonal(envelope, of: referral.id))
            } catch {
                logger.error("cannot seal a referral's personal part; it is sent at the next start",
                             metadata: ["referral.id": "\(referral.id)", "error": "\(error)"])
                return nil
            }
        }
    }

    /// Seals to the destination's current key; nil when this worker has no sealing key (a config
    /// from before sealing: the personal part goes as it is, and the router takes it only for a
    /// destination that has not published a key either).
    func seal(_ referral: Referral) throws -> [UInt8]? {
        guard let own = ownKeys.first else { return nil }
        guard let recipient = try currentRegistry()?[referral.routing.to]?.currentSealingKey else {
            throw ConfigError("\(referral.routing.to) has no sealing key in the registry: the personal part cannot be sealed to it")
        }
        return try PersonalPartSealing.seal(referral.personal, for: referral.routing, to: recipient, from: own)
    }

    /// Opens a delivered referral's personal part. An unsealed part (sent before the destination
    /// published a key) passes as it is.
    func open(_ referral: Referral) -> Result<Referral, ProtocolError> {
        guard SealedEnvelope.looksSealed(referral.personal) else { return .success(referral) }
        let senderKeys = (try? currentRegistry())?[referral.routing.from]?.sealingKeys ?? []
        return PersonalPartSealing.open(referral.personal, for: referral.routing, ownKeys: ownKeys, senderKeys: senderKeys)
            .map { Referral(routing: referral.routing, personal: $0) }
    }

    /// The destination could not open a referral this agency sent: seal it again to the
    /// destination's current key and resubmit it under the same id, when that can change the
    /// outcome (`always`: at start, after an operator may have fixed the keys).
    func resealUndeliverable(_ id: ReferralID, always: Bool, reason: String?) -> Referral? {
        do {
            guard let referral = try ledger.sentReferral(id), let envelope = try seal(referral) else { return nil }
            let previous = try ledger.sealedPersonal(of: id).flatMap { try? SealedEnvelope.parse($0) }
            let fresh = try SealedEnvelope.parse(envelope)
            let keysChanged = previous.map { $0.recipientKeyID != fresh.recipientKeyID || $0.senderKeyID != fresh.senderKeyID } ?? true
            guard always || keysChanged else {
                logger.warning("the destination cannot open a referral sealed to its current key; an operator must check both agencies' sealing keys, then restart this worker to send it again",
                               metadata: ["referral.id": "\(id)", "agency.to": "\(referral.routing.to)", "error": "\(reason ?? "")"])
                return nil
            }
            try ledger.replaceSealedPersonal(envelope, of: id, sender: agency)
            logger.notice("referral sealed again and resubmitted after the destination could not open it",
                          metadata: ["referral.id": "\(id)", "agency.to": "\(referral.routing.to)", "sealing.key": "\(fresh.recipientKeyID)"])
            return Referral(routing: referral.routing, personal: envelope)
        } catch {
            logger.error("cannot seal a referral again", metadata: ["referral.id": "\(id)", "error": "\(error)"])
            return nil
        }
    }
}

/// Stands between the router client and the worker's events: opens deliveries before they are
/// stored and confirmed, reports those it cannot open as undeliverable, and seals what goes out
/// again.
final class SealingDelegate: RouterClientDelegate {
    let inner: WorkerEvents
    let sealing: WorkerSealing
    private let client = Mutex<RouterClient?>(nil)

    init(inner: WorkerEvents, sealing: WorkerSealing) {
        self.inner = inner
        self.sealing = sealing
    }

    func attach(_ client: RouterClient) { self.client.withLock { $0 = client } }
    private func send(_ requests: [OutboundRequest]) { client.withLock { $0 }?.send(requests) }

    /// Opens each delivery; the opened ones are stored (and confirmed) as before. One that does not
    /// open is not stored: unless this agency holds it already, it is reported UNDELIVERABLE with
    /// the code, so the sender hears of it; it is never confirmed as received.
    func store(deliveries: [Referral]) -> [Bool] {
        var results = Array(repeating: false, count: deliveries.count)
        var opened: [(index: Int, referral: Referral)] = []
        var undeliverable: [OutboundRequest] = []
        for (index, delivery) in deliveries.enumerated() {
            switch sealing.open(delivery) {
            case .success(let referral):
                opened.append((index, referral))
            case .failure(let error):
                if (try? sealing.ledger.holdsReceived(delivery.id)) == true {
                    results[index] = true
                    continue
                }
                sealing.logger.warning("a delivered referral does not open; reported as undeliverable", metadata: [
                    "referral.id": "\(delivery.id)", "agency.from": "\(delivery.routing.from)",
                    "error.code": "\(error.code.rawValue)", "error.name": "\(error.code.name)",
                ])
                undeliverable.append(.transition(.undeliverable, delivery.id, detail: "\(error.code.rawValue) \(error.code.name)"))
            }
        }
        if !opened.isEmpty {
            for (item, stored) in zip(opened, inner.store(deliveries: opened.map(\.referral))) { results[item.index] = stored }
        }
        send(undeliverable)
        return results
    }

    func apply(status: StatusUpdate) -> Bool {
        guard inner.apply(status: status) else { return false }
        if status.state == .undeliverable, status.actor != sealing.agency,
           let resealed = sealing.resealUndeliverable(status.referral, always: false, reason: status.detail) {
            send([.submit(resealed)])
        }
        return true
    }

    func answered(_ request: OutboundRequest, with reply: RouterMessage) {
        if case .transition(.undeliverable, let id, _, _) = request {
            // This agency never held the referral: nothing to record in its ledger.
            sealing.logger.info("undeliverable referral reported to the router", metadata: ["referral.id": "\(id)"])
            return
        }
        inner.answered(request, with: reply)
    }

    func resendRequested(_ id: ReferralID) {
        guard let referral = try? sealing.ledger.sentReferral(id) else {
            inner.resendRequested(id)
            return
        }
        sealing.logger.info("resending a referral on the router's request", metadata: ["referral.id": "\(id)"])
        send(sealing.outbound([referral]).map(OutboundRequest.submit))
    }

    func connectionChanged(connected: Bool) { inner.connectionChanged(connected: connected) }
    func connectionTrouble(_ trouble: ConnectionTrouble?) { inner.connectionTrouble(trouble) }
}
