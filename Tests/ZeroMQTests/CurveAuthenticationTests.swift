import Testing
import ZeroMQ

extension ZeroMQTests {
    /// CURVE servers judged by a ZAP allow-list, over TCP on loopback.
    @Suite("CURVE with a ZAP allow-list")
    struct CurveAuthentication {
        let serverKeys: CurveKeyPair
        let registeredKeys: CurveKeyPair

        init() throws {
            serverKeys = try CurveKeyPair.generate()
            registeredKeys = try CurveKeyPair.generate()
        }

        @Test("a registered client talks, and its messages carry the allow-list's User-Id")
        func registeredClientArrivesWithItsUserID() throws {
            let decisions = DecisionLog()
            try withContext { context in
                // The handler first: a CURVE server with no ZAP handler lets every key in.
                _ = try ZAPAuthenticator(
                    context: context, allowList: [registeredKeys.publicKey: "agency-7"], onDecision: decisions.record)
                let router = try Socket(context, type: .router)
                try router.makeCurveServer(secretKey: serverKeys.secretKey)
                let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

                let client = try Socket(context, type: .dealer)
                try client.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: registeredKeys)
                try client.connect(endpoint)
                try client.send("hello", "world")

                let request = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(request.frames.dropFirst().map { String(decoding: $0, as: UTF8.self) } == ["hello", "world"])
                #expect(request.userID == "agency-7")
                #expect(request.peerAddress == "127.0.0.1")
                let decision = try #require(decisions.waitFor(key: registeredKeys.publicKey, admitted: true))
                #expect(decision.mechanism == "CURVE")
                #expect(decision.userID == "agency-7")

                // The reply travels the same encrypted connection back.
                try router.send([request.frames[0], "welcome".bytes])
                let reply = try #require(try client.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(reply.frames == ["welcome".bytes])
                #expect(try client.get(.mechanism) == 2, "ZMQ_CURVE")
            }
        }

        @Test("an unknown key never gets a message through, and the monitor reports ZAP status 400")
        func unknownKeyIsRefused() throws {
            let strangerKeys = try CurveKeyPair.generate()
            let decisions = DecisionLog()
            try withContext { context in
                _ = try ZAPAuthenticator(
                    context: context, allowList: [registeredKeys.publicKey: "agency-7"], onDecision: decisions.record)
                let router = try Socket(context, type: .router)
                try router.makeCurveServer(secretKey: serverKeys.secretKey)
                // Opened before the bind so that no event is missed.
                let monitor = try SocketMonitor(context: context, monitoring: router, events: .handshakeFailed)
                let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

                do {
                    let stranger = try Socket(context, type: .dealer)
                    try stranger.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: strangerKeys)
                    try stranger.connect(endpoint)
                    // Queued before the handshake; a refused client may block on send, so never wait.
                    #expect(try stranger.send(["from a stranger".bytes], flags: .dontWait))

                    let failure = try #require(try monitor.waitFor(.handshakeFailedAuth, timeoutMilliseconds: patienceMilliseconds))
                    #expect(failure.kind == .handshakeFailedAuth)
                    #expect(failure.value == 400)
                    #expect(decisions.waitFor(key: strangerKeys.publicKey, admitted: false) != nil)
                    #expect(try router.receive(timeoutMilliseconds: quietMilliseconds) == nil)
                }

                try expectOnlyRegisteredClientGetsThrough(context: context, router: router, endpoint: endpoint)
            }
        }

        @Test("a plaintext client never gets a message through, and the monitor reports a failed handshake")
        func plaintextClientIsRefused() throws {
            try withContext { context in
                _ = try ZAPAuthenticator(context: context, allowList: [registeredKeys.publicKey: "agency-7"])
                let router = try Socket(context, type: .router)
                try router.makeCurveServer(secretKey: serverKeys.secretKey)
                let monitor = try SocketMonitor(context: context, monitoring: router, events: .handshakeFailed)
                let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

                do {
                    let plaintext = try Socket(context, type: .dealer)
                    try plaintext.connect(endpoint)
                    #expect(try plaintext.send(["in the clear".bytes], flags: .dontWait))

                    let failure = try #require(try monitor.waitFor(.handshakeFailed, timeoutMilliseconds: patienceMilliseconds))
                    // The NULL mechanism meets CURVE: libzmq refuses it before asking ZAP.
                    #expect(failure.kind == .handshakeFailedProtocol)
                    #expect(try router.receive(timeoutMilliseconds: quietMilliseconds) == nil)
                }

                try expectOnlyRegisteredClientGetsThrough(context: context, router: router, endpoint: endpoint)
            }
        }

        @Test("a new allow-list judges new connections: an added key gets in, a removed key is refused")
        func replacedAllowListTakesEffect() throws {
            let firstKeys = try CurveKeyPair.generate()
            let laterKeys = try CurveKeyPair.generate()
            let decisions = DecisionLog()
            try withContext { context in
                let authenticator = try ZAPAuthenticator(
                    context: context, allowList: [firstKeys.publicKey: "first"], onDecision: decisions.record)
                let router = try Socket(context, type: .router)
                try router.makeCurveServer(secretKey: serverKeys.secretKey)
                let monitor = try SocketMonitor(context: context, monitoring: router, events: .handshakeFailed)
                let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

                // Before the swap: the first key is in, the later one refused.
                let firstConnection = try Socket(context, type: .dealer)
                try firstConnection.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: firstKeys)
                try firstConnection.connect(endpoint)
                try firstConnection.send("first, before")
                let beforeSwap = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(beforeSwap.userID == "first")
                do {
                    let tooEarly = try Socket(context, type: .dealer)
                    try tooEarly.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: laterKeys)
                    try tooEarly.connect(endpoint)
                    _ = try tooEarly.send(["later, too early".bytes], flags: .dontWait)
                    #expect(decisions.waitFor(key: laterKeys.publicKey, admitted: false) != nil)
                    #expect(try monitor.waitFor(.handshakeFailedAuth, timeoutMilliseconds: patienceMilliseconds)?.value == 400)
                }   // Closed here, so it cannot retry once its key is allowed.

                authenticator.replaceAllowList([laterKeys.publicKey: "later"])

                let laterConnection = try Socket(context, type: .dealer)
                try laterConnection.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: laterKeys)
                try laterConnection.connect(endpoint)
                try laterConnection.send("later, after")
                let admitted = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(admitted.userID == "later")
                #expect(admitted.frames.last == "later, after".bytes, "the refused connection's message never arrived")

                do {
                    let removed = try Socket(context, type: .dealer)
                    try removed.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: firstKeys)
                    try removed.connect(endpoint)
                    _ = try removed.send(["first, after removal".bytes], flags: .dontWait)
                    let refusal = try #require(decisions.waitFor(key: firstKeys.publicKey, admitted: false))
                    #expect(refusal.mechanism == "CURVE")
                    #expect(try monitor.waitFor(.handshakeFailedAuth, timeoutMilliseconds: patienceMilliseconds)?.value == 400)
                    #expect(try router.receive(timeoutMilliseconds: quietMilliseconds) == nil)
                }

                // ZAP judges handshakes only: a connection admitted before the swap keeps its
                // identity until it closes. Revoking a key does not cut it.
                try firstConnection.send("first, still connected")
                let established = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(established.userID == "first")
                #expect(established.frames.last == "first, still connected".bytes)
            }
        }

        /// A registered client connects after the refused ones: the first message the server sees
        /// is its own, so nothing a refused client sent got through in the meantime either.
        private func expectOnlyRegisteredClientGetsThrough(
            context: Context, router: borrowing Socket, endpoint: String
        ) throws {
            let registered = try Socket(context, type: .dealer)
            try registered.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: registeredKeys)
            try registered.connect(endpoint)
            try registered.send("registered")
            let message = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
            #expect(message.frames.last == "registered".bytes)
            #expect(message.userID == "agency-7")
            #expect(try router.receive(timeoutMilliseconds: quietMilliseconds) == nil)
        }
    }
}
