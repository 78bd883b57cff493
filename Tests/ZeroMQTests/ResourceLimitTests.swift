import Testing
import ZeroMQ

extension ZeroMQTests {
    @Suite("Resource limits")
    struct ResourceLimits {
        @Test("5,000 bind/connect/close cycles and 100 contexts leak no file descriptors")
        func socketCyclesLeakNoDescriptors() throws {
            let directory = try TemporaryDirectory()
            let before = try openFileDescriptorCount()

            try withContext { context in
                for cycle in 0..<5_000 {
                    // Alternates transports: tcp holds a listening socket, ipc a socket file too.
                    let requested = cycle.isMultiple(of: 2) ? "tcp://127.0.0.1:*" : "ipc://\(directory.path)/cycle"
                    let router = try Socket(context, type: .router)
                    let endpoint = try router.bindReturningEndpoint(requested)
                    let dealer = try Socket(context, type: .dealer)
                    try dealer.connect(endpoint)
                    // Now and then, prove the connection is real (accepted descriptors included).
                    if cycle.isMultiple(of: 100) {
                        try dealer.send("cycle \(cycle)")
                        let message = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                        #expect(message.frames.last == "cycle \(cycle)".bytes)
                    }
                }
            }
            for _ in 0..<100 {
                try withContext { context in
                    let socket = try Socket(context, type: .router)
                    try socket.bind("tcp://127.0.0.1:*")
                }
            }

            let after = try openFileDescriptorCount()
            // The count is the whole process's, and other suites run beside this one (a router
            // harness holds a few dozen descriptors). A leak in these cycles would show in the
            // thousands: one per cycle is 5,000.
            #expect(after <= before + 64, "\(after - before) descriptors more than before")
        }

        @Test("a message above maxMessageSize never arrives; one at the limit, on a fresh connection, does")
        func oversizedMessageIsRefused() throws {
            let limit = 1_024
            try withContext { context in
                let router = try Socket(context, type: .router)
                try router.set(.maxMessageSize, Int64(limit))
                #expect(try router.get(.maxMessageSize) == Int64(limit))
                let monitor = try SocketMonitor(context: context, monitoring: router, events: .disconnected)
                let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

                do {
                    let oversized = try Socket(context, type: .dealer)
                    try oversized.connect(endpoint)
                    #expect(try oversized.send([[UInt8].pattern(count: limit + 1)], flags: .dontWait))
                    // libzmq drops the connection on reading the frame's size.
                    #expect(try monitor.waitFor(.disconnected, timeoutMilliseconds: patienceMilliseconds) != nil)
                    #expect(try router.receive(timeoutMilliseconds: quietMilliseconds) == nil)
                }

                let fresh = try Socket(context, type: .dealer)
                try fresh.connect(endpoint)
                try fresh.send([[UInt8].pattern(count: limit)])
                let message = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(message.frames.last?.count == limit)
                #expect(try router.receive(timeoutMilliseconds: quietMilliseconds) == nil, "the oversized one never follows")
            }
        }
    }
}
