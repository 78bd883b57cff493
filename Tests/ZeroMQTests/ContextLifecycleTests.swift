import Foundation
import Synchronization
import Testing
import ZeroMQ

extension ZeroMQTests {
    /// Contexts that must end promptly however their sockets are left.
    @Suite("Context termination and shutdown")
    struct ContextLifecycle {
        @Test("a context with messages queued for nobody terminates promptly when linger is finite",
              arguments: [nil, 100] as [Int32?])
        func undeliveredMessagesDoNotHoldTermination(linger: Int32?) throws {
            let nobodyListens = try unusedLoopbackEndpoint()
            let context = try Context()
            do {
                let dealer = try linger.map { try Socket(context, type: .dealer, linger: $0) }
                    ?? Socket(context, type: .dealer)   // Socket.init's default linger, 0
                try dealer.connect(nobodyListens)
                for index in 0..<100 {
                    #expect(try dealer.send([Array("undeliverable \(index)".utf8)], flags: .dontWait))
                }
            }   // Closed with 100 messages still queued.

            let started = ContinuousClock.now
            let terminated = try runOnThread(named: "terminate-with-queued", deadline: .seconds(3)) {
                context.terminate()
            }
            let elapsed = ContinuousClock.now - started
            #expect(terminated, "zmq_ctx_term hung on the queued messages")
            #expect(elapsed < .milliseconds(500), "took \(elapsed)")
        }

        @Test("a receive blocked on another thread returns ZMQError.terminated promptly after shutdown()")
        func shutdownEndsBlockedReceive() throws {
            let context = try Context()
            let receiverReady = DispatchSemaphore(value: 0)
            let outcome = Mutex<Result<ReceivedMessage?, ZMQError>?>(nil)
            let returnedAt = Mutex<ContinuousClock.Instant?>(nil)
            let receiverThread = Thread {
                do throws(ZMQError) {
                    let socket = try Socket(context, type: .dealer)
                    // A bound on the wait, should shutdown fail to end it; the test expects far less.
                    try socket.set(.receiveTimeout, 10_000)
                    try socket.bind("tcp://127.0.0.1:*")
                    receiverReady.signal()
                    let result = Result { () throws(ZMQError) in try socket.receive() }
                    returnedAt.withLock { $0 = .now }
                    outcome.withLock { $0 = result }
                } catch {
                    outcome.withLock { $0 = .failure(error) }
                    receiverReady.signal()
                }
            }
            receiverThread.start()
            try #require(receiverReady.wait(timeout: .now() + 5) == .success)
            // Gives the thread time to enter the receive; the outcome must be the same if it has not.
            Thread.sleep(forTimeInterval: 0.1)

            let shutdownAt = ContinuousClock.now
            context.shutdown()
            // The thread closes its socket as it exits, which lets terminate() finish.
            let terminated = try runOnThread(named: "terminate-after-shutdown", deadline: .seconds(3)) {
                context.terminate()
            }
            #expect(terminated)
            let result = try #require(outcome.withLock { $0 })
            #expect(throws: ZMQError.terminated) { try result.get() }
            let returned = try #require(returnedAt.withLock { $0 })
            #expect(returned - shutdownAt < .milliseconds(500))
        }

        @Test("a signal does not end a blocking receive: libzmq's EINTR is retried",
              arguments: [false, true])
        func signalDoesNotEndReceive(withTimeout: Bool) throws {
            installCountingSignalHandler()
            try withContext { context in
                let receiverThreadID = Mutex<pthread_t?>(nil)
                let receiverEndpoint = Mutex<String?>(nil)
                let outcome = Mutex<Result<ReceivedMessage?, ZMQError>?>(nil)
                let receiverReady = DispatchSemaphore(value: 0)
                let receiveReturned = DispatchSemaphore(value: 0)
                let mayExit = DispatchSemaphore(value: 0)
                let receiverThread = Thread {
                    // Foundation's threads start with every signal blocked; a daemon's may not.
                    unblockSignalOnThisThread(SIGUSR1)
                    receiverThreadID.withLock { $0 = pthread_self() }
                    let result = Result { () throws(ZMQError) -> ReceivedMessage? in
                        let socket = try Socket(context, type: .dealer)
                        try socket.set(.receiveTimeout, 10_000)
                        let endpoint = try socket.bindReturningEndpoint("tcp://127.0.0.1:*")
                        receiverEndpoint.withLock { $0 = endpoint }
                        receiverReady.signal()
                        return withTimeout ? try socket.receive(timeoutMilliseconds: 10_000) : try socket.receive()
                    }
                    outcome.withLock { $0 = result }
                    if case .failure = result { receiverReady.signal() }
                    receiveReturned.signal()
                    // Lives on until told, so that pthread_kill never targets a finished thread.
                    _ = mayExit.wait(timeout: .now() + 10)
                }
                receiverThread.start()
                defer { mayExit.signal() }
                try #require(receiverReady.wait(timeout: .now() + 5) == .success)
                let threadID = try #require(receiverThreadID.withLock { $0 })
                let endpoint = try #require(receiverEndpoint.withLock { $0 })
                // The connecting side queues at once, so this send cannot block.
                let sender = try Socket(context, type: .dealer)
                try sender.connect(endpoint)

                // Several signals spaced out, so that some land while the thread waits in libzmq.
                let handledBefore = handledSignalCount.load(ordering: .relaxed)
                for _ in 0..<5 {
                    Thread.sleep(forTimeInterval: 0.05)
                    #expect(pthread_kill(threadID, SIGUSR1) == 0)
                }
                let handledDeadline = ContinuousClock.now + .seconds(5)
                while handledSignalCount.load(ordering: .relaxed) < handledBefore + 5, ContinuousClock.now < handledDeadline {
                    Thread.sleep(forTimeInterval: 0.01)
                }
                #expect(handledSignalCount.load(ordering: .relaxed) == handledBefore + 5, "every signal reached the thread")
                #expect(outcome.withLock { $0 } == nil, "the receive ended early on a signal")

                #expect(try sender.send(["after the signals".bytes], flags: .dontWait))
                try #require(receiveReturned.wait(timeout: .now() + 5) == .success)
                let result = try #require(outcome.withLock { $0 })
                let message = try #require(try result.get())
                #expect(message.frames == ["after the signals".bytes])
            }
        }

        @Test("a socket keeps its context alive: dropping the last reference to the context does not hang")
        func socketKeepsContextAlive() throws {
            let finished = try runOnThread(named: "orphaned-context", deadline: .seconds(3)) {
                // The socket holds the only reference to its context.
                let socket = try Socket(Context(), type: .dealer)
                try socket.connect(try unusedLoopbackEndpoint())
                _ = try socket.send(["queued".bytes], flags: .dontWait)
            }
            #expect(finished, "the context was released before its socket and zmq_ctx_term waited for ever")
        }

        @Test("terminate() and shutdown() may be called again after terminate(), and deinit then returns at once")
        func terminateIsIdempotent() throws {
            // A second zmq_ctx_term on the freed context, or a shutdown reaching it, hangs or
            // crashes: the whole sequence, deinit included, must finish on its thread in time.
            let finished = try runOnThread(named: "terminate-twice", deadline: .seconds(3)) {
                let context = try Context()
                do {
                    let socket = try Socket(context, type: .dealer)
                    try socket.connect(try unusedLoopbackEndpoint())
                    _ = try socket.send(["queued".bytes], flags: .dontWait)
                }
                context.terminate()
                context.terminate()
                context.shutdown()
            }
            #expect(finished, "terminate() or shutdown() after terminate() did not return")
        }
    }
}

/// A loopback endpoint nobody listens on: a port the kernel just gave out and took back.
func unusedLoopbackEndpoint() throws -> String {
    let context = try Context()
    defer { context.terminate() }
    let router = try Socket(context, type: .router)
    let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")
    try router.unbind(endpoint)
    return endpoint
}

/// How many times the SIGUSR1 handler ran, to show the signals really arrived.
let handledSignalCount = Atomic<Int>(0)

/// Gives SIGUSR1 a handler that only counts, restartable (SA_RESTART): libzmq's blocking calls
/// still return EINTR when it runs.
func installCountingSignalHandler() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in handledSignalCount.add(1, ordering: .relaxed) }
    action.sa_flags = SA_RESTART
    sigemptyset(&action.sa_mask)
    #expect(sigaction(SIGUSR1, &action, nil) == 0)
}

func unblockSignalOnThisThread(_ signal: Int32) {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, signal)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
}
