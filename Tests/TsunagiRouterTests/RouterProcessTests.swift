import Foundation
import Testing
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTestSupport
import ZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// The router process's life beside others: one router per store, and a registry reload that
/// revokes a key.
@Suite("Router process", .serialized, .timeLimit(.minutes(3)))
struct RouterProcessTests {
    @Test("a second router on the same store refuses to start, exits non-zero and names the first")
    func secondRouterOnOneStoreRefuses() throws {
        let harness = try RouterHarness()
        defer { harness.crashRouter() }
        try harness.startRouter()
        guard let first = harness.router else { throw HarnessError("no router") }
        // Another port, the same store.
        let config = try String(contentsOfFile: harness.network.routerConfigPath, encoding: .utf8)
            .replacingOccurrences(of: harness.endpoint, with: "tcp://127.0.0.1:*")
        let secondConfig = "\(harness.network.directory)/router-second.toml"
        try config.write(toFile: secondConfig, atomically: true, encoding: .utf8)
        let second = try DaemonProcess("tsunagi-router", ["--config", secondConfig], logDirectory: harness.directory, name: "router-second")
        defer { second.crash() }
        #expect(second.waitForExit(within: .seconds(30)), "a second router on the same store kept running\n\(second.log)")
        #expect(second.exitStatus != 0)
        #expect(second.log.contains("pid \(first.pid)") && second.log.contains(harness.endpoint),
                "the refusal does not name the first router (pid \(first.pid), \(harness.endpoint)):\n\(second.log)")
        // The first goes on serving.
        let sender = try harness.agency("peer-support.kochi")
        #expect(try sender.handshake())
        let referral = SampleReferral.make(id: "lock-1", from: "peer-support.kochi", to: "saposute.kochi")
        try sender.send(.submit(referral))
        #expect(try sender.receive() == .submitted(referral.id, .submitted))

        // Once the first is gone (even by kill -9), a router starts on the store again.
        harness.crashRouter()
        try harness.startRouter()
        #expect(try harness.reader().summary(of: referral.id) != nil)
    }

    @Test("removing a key and reloading (SIGHUP) cuts that agency's live connection: refused, not stored, nothing delivered")
    func revokedKeyIsCutOnReload() throws {
        let harness = try RouterHarness()
        defer { harness.crashRouter() }
        try harness.startRouter()
        guard let router = harness.router else { throw HarnessError("no router") }
        let revokedID = "employment-base.tobu"
        let revoked = try harness.agency(revokedID)
        let sender = try harness.agency("peer-support.kochi")
        #expect(try revoked.handshake())
        #expect(try sender.handshake())
        // A referral on its way to the agency: delivered, not confirmed, so it would be repeated.
        let waiting = SampleReferral.make(id: "revoke-1", from: "peer-support.kochi", to: revokedID)
        try sender.send(.submit(waiting))
        #expect(try sender.receive() == .submitted(waiting.id, .submitted))
        #expect(try revoked.receive() == .deliver(waiting))

        // The prefecture removes the agency's key (it stays a destination) and reloads.
        let registryPath = "\(harness.network.directory)/agencies.toml"
        let registry = try String(contentsOfFile: registryPath, encoding: .utf8)
        let keyLine = "public_key = \"keys/\(revokedID).pub\"\n"
        try #require(registry.contains(keyLine))
        try registry.replacingOccurrences(of: keyLine, with: "").write(toFile: registryPath, atomically: true, encoding: .utf8)
        kill(router.pid, SIGHUP)
        // The reload is done when a fresh handshake with the removed key fails.
        #expect(waitUntil(.seconds(20), interval: .milliseconds(200)) {
            do {
                let fresh = try harness.agency(revokedID)
                return try !fresh.handshake(timeoutMilliseconds: 1_000)
            } catch {
                return true  // refused: its send timed out
            }
        }, "a fresh handshake with the removed key still succeeds")

        // Its live connection: a SUBMIT is refused and not stored.
        let fromRevoked = SampleReferral.make(id: "revoke-2", from: revokedID, to: "saposute.kochi")
        try revoked.send(.submit(fromRevoked))
        let answer = try revoked.receive(skipping: ["PONG", "DELIVER", "STATUS"])
        guard case .error(let error, _, _)? = answer else {
            Issue.record("the revoked connection's submit was answered \(String(describing: answer))")
            return
        }
        #expect(error.code == .unauthenticated)
        #expect(try harness.reader().summary(of: fromRevoked.id) == nil)

        // Nothing more reaches it: neither the repeat of the unconfirmed delivery (due after 2 s)
        // nor a referral submitted to it now, although it keeps talking for 7 s.
        let later = SampleReferral.make(id: "revoke-3", from: "peer-support.kochi", to: revokedID)
        try sender.send(.submit(later))
        #expect(try sender.receive() == .submitted(later.id, .submitted))
        var delivered: [String] = []
        let until = ContinuousClock.now + .seconds(7)
        while ContinuousClock.now < until {
            try revoked.send(.ping)
            if let message = try revoked.socket.receive(timeoutMilliseconds: 500), message.frames.count >= 2,
               String(decoding: message.frames[1], as: UTF8.self) == "DELIVER" {
                delivered.append(String(decoding: message.frames.count > 2 ? message.frames[2].prefix(80) : [], as: UTF8.self))
            }
        }
        #expect(delivered.isEmpty, "DELIVER reached the revoked connection: \(delivered)")
        #expect(router.isRunning)
    }

    @Test("a mistyped log_level stops the router at start-up with a sentence naming it")
    func mistypedLogLevel() throws {
        let harness = try RouterHarness()
        let config = try String(contentsOfFile: harness.network.routerConfigPath, encoding: .utf8)
            .replacingOccurrences(of: "log_level = \"info\"", with: "log_level = \"infp\"")
        try config.write(toFile: harness.network.routerConfigPath, atomically: true, encoding: .utf8)
        let router = try DaemonProcess("tsunagi-router", ["--config", harness.network.routerConfigPath],
                                       logDirectory: harness.directory, name: "router")
        defer { router.crash() }
        #expect(router.waitForExit(within: .seconds(30)))
        #expect(router.exitStatus != 0)
        #expect(router.log.contains("log_level 'infp'"), "\(router.log)")
    }

    @Test("--version on the router, the tool and a worker", arguments: ["tsunagi-router", "tsunagi", "tsunagi-welfare-office"])
    func version(executable: String) throws {
        let directory = makeTemporaryDirectory("tsunagi-version")
        let process = try DaemonProcess(executable, ["--version"], logDirectory: directory, name: executable)
        #expect(process.waitForExit(within: .seconds(30)))
        #expect(process.exitStatus == 0)
        #expect(process.log.trimmingCharacters(in: .whitespacesAndNewlines) == TsunagiVersion.current)
    }

    @Test("a refusal flood is not a log flood: five lines per agency and code; NULL and PLAIN connections are logged")
    func refusalsAreRateLimitedAndNullConnectionsLogged() throws {
        let harness = try RouterHarness()
        defer { harness.crashRouter() }
        try harness.startRouter()
        guard let router = harness.router else { throw HarnessError("no router") }
        let flooder = try harness.agency("welfare-office.hata")
        #expect(try flooder.handshake())
        for _ in 1...200 {
            try flooder.send([WireProtocol.signature, Array("SUBMIT".utf8), Array("{not json".utf8), Array("{}".utf8)])
        }
        var answered = 0
        while answered < 200, case .error? = try flooder.receive(timeoutMilliseconds: 10_000) { answered += 1 }
        #expect(answered == 200)

        // Clients without CURVE: libzmq ends them at the greeting, before the ZAP handler. Each
        // tries once (no reconnection), so each is refused, and logged, exactly once.
        for mechanism in ["NULL", "PLAIN"] {
            let client = try Socket(harness.context, type: .dealer, linger: 0)
            try client.set(.reconnectInterval, -1)
            if mechanism == "PLAIN" {
                try client.set(.plainUsername, "welfare-office.hata")
                try client.set(.plainPassword, "a password")
            }
            let monitor = try SocketMonitor(context: harness.context, monitoring: client, events: [.handshakeFailed, .disconnected])
            try client.connect(harness.endpoint)
            #expect(try monitor.waitFor(.disconnected, timeoutMilliseconds: 10_000) != nil, "the router did not end the \(mechanism) connection")
        }

        #expect(router.stop() == 0)
        let lines = router.log.split(separator: "\n")
        let refused = lines.filter { $0.contains("request refused") && $0.contains("agency=welfare-office.hata") }
        #expect(refused.count == 5, "\(refused.count) refusal lines for 200 refusals")
        let notCurve = lines.filter { $0.contains("connection refused") }
        #expect(notCurve.count == 2, "\(router.log)")
        for line in notCurve {
            // The address is the client's IP (the refusal log is rate-limited per address, so no
            // port), or `unknown` when libzmq closed the connection before the accept was read.
            let address = line.firstMatch(of: /peer\.address=(\S+)/)?.output.1
            #expect(address == "127.0.0.1" || address == "unknown", "\(line)")
            #expect(line.contains("peer.mechanism=not CURVE (NULL or PLAIN)")
                    || line.contains("peer.mechanism=not CURVE, or a broken CURVE handshake"), "\(line)")
            #expect(line.contains("peer.key=none"), "\(line)")
        }
    }
}
