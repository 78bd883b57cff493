import Testing
import ZeroMQ

extension ZeroMQTests {
    @Suite("Multipart messages between ROUTER and DEALER")
    struct MultipartRoundTrip {
        enum Transport: String, CaseIterable, Sendable {
            case tcp, ipc
        }

        @Test("frames, empty ones and a 1 MiB one included, cross both ways unchanged", arguments: Transport.allCases)
        func framesCrossBothWays(over transport: Transport) throws {
            let directory = try TemporaryDirectory()
            let requested = switch transport {
            case .tcp: "tcp://127.0.0.1:*"
            case .ipc: "ipc://\(directory.path)/router"
            }
            let oneMebibyte = [UInt8].pattern(count: 1 << 20)
            let request: [[UInt8]] = [[], "header".bytes, [], oneMebibyte, []]
            let reply: [[UInt8]] = ["reply".bytes, [], [UInt8].pattern(count: 1 << 20, seed: 7)]

            try withContext { context in
                let router = try Socket(context, type: .router)
                let endpoint = try router.bindReturningEndpoint(requested)
                #expect(endpoint.hasPrefix("\(transport.rawValue)://"))
                #expect(!endpoint.hasSuffix(":*"), "the bound endpoint names the port chosen")
                let dealer = try Socket(context, type: .dealer)
                try dealer.connect(endpoint)

                try dealer.send(request)
                // A message made only of one empty frame is a message too.
                try dealer.send([[]])

                let first = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                let routingID = try #require(first.frames.first)
                #expect(!routingID.isEmpty)
                #expect(summary(of: first.frames.dropFirst()) == summary(of: request))
                #expect(first.userID == nil, "no ZAP handler, so no User-Id")
                if transport == .tcp { #expect(first.peerAddress == "127.0.0.1") }

                let second = try #require(try router.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(summary(of: second.frames) == summary(of: [routingID, []]))

                try router.send([routingID] + reply)
                let answer = try #require(try dealer.receive(timeoutMilliseconds: patienceMilliseconds))
                #expect(summary(of: answer.frames) == summary(of: reply))

                #expect(try dealer.receive(flags: .dontWait) == nil, "nothing else was sent")
            }
        }
    }
}

/// Frame sizes and contents in a form that stays readable when an expectation fails
/// (printing a 1 MiB frame would bury the report).
func summary(of frames: some Collection<[UInt8]>) -> [String] {
    frames.map { frame in
        // FNV-1a: any changed, lost or shifted byte changes it. A plain loop over the buffer
        // keeps it fast in debug builds.
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        frame.withUnsafeBufferPointer { bytes in
            for byte in bytes { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return "\(frame.count) bytes, fnv1a \(String(digest, radix: 16))"
    }
}
