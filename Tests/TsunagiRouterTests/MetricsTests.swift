import Foundation
import Testing
import TsunagiCore
import TsunagiRouter
import TsunagiTestSupport

/// The real router's `/metrics`, `/healthz` and `/agencies`, read over HTTP and parsed by
/// Prometheus' own text parser (prometheus_client, from the test venv).
@Suite struct MetricsTests {
    /// Fetches `url` with Python's urllib: `status` prints the HTTP status, `metrics` every sample
    /// as JSON [name, labels, value] (through prometheus_client's parser), `body` the body.
    static let client = #"""
        import json, sys, urllib.request, urllib.error
        mode, url, out = sys.argv[1], sys.argv[2], sys.argv[3]
        sys.stdout = open(out, "w", encoding="utf-8")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                status, body = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode("utf-8")
        except OSError as error:
            status, body = 0, str(error)
        if mode == "status":
            print(status)
        elif mode == "body":
            print(body)
        else:
            from prometheus_client.parser import text_string_to_metric_families
            samples = [[s.name, s.labels, s.value] for family in text_string_to_metric_families(body) for s in family.samples]
            print(json.dumps(samples))
        """#

    /// Through a file, not a pipe: the router this test started could inherit a pipe's write end.
    static func fetch(_ mode: String, _ url: String) throws -> String {
        let out = NSTemporaryDirectory() + "tsunagi-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try runToEnd(TestPython.executable, ["-c", client, mode, url, out], timeout: .seconds(60))
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(result.succeeded, "python: \(text)\(result.output)")
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Samples {
        let all: [(name: String, labels: [String: String], value: Double)]

        init(_ json: String) throws {
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[Any]])
            all = decoded.map { ($0[0] as! String, $0[1] as! [String: String], ($0[2] as! NSNumber).doubleValue) }
        }

        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            all.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
        }
    }

    @Test("/metrics parses, its counters move with submits and refusals; /healthz and /agencies answer")
    func countersMoveAsReferralsAreSubmittedAndRefused() throws {
        let harness = try RouterHarness()
        try harness.startRouter()
        defer { harness.stopRouter() }
        let metrics = try MetricsConfig.load(path: harness.network.routerConfigPath)
        let base = "http://\(try #require(metrics.host)):\(metrics.port)"
        // The HTTP server comes up beside the ZeroMQ socket: wait for it to answer.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var health = ""
        while ContinuousClock.now < deadline {
            health = try Self.fetch("status", base + "/healthz")
            if health == "200" { break }
        }
        #expect(health == "200")
        #expect(try Self.fetch("body", base + "/healthz") == "ok")

        let before = try Samples(Self.fetch("metrics", base + "/metrics"))
        #expect(before.value("tsunagi_submits_total") == 0)
        #expect(before.value("tsunagi_refusals_total", ["code": "406", "name": "unknown-agency"]) == 0)

        let sender = try harness.agency("saposute.kochi")
        #expect(try sender.handshake())
        for number in 1...3 {
            let referral = SampleReferral.make(id: "metrics-\(number)", from: "saposute.kochi", to: "welfare-office.susaki")
            try sender.send(.submit(referral))
            #expect(try sender.receive() == .submitted(referral.id, .submitted))
        }
        // The same referral again is answered as before and is not a new submit.
        let again = SampleReferral.make(id: "metrics-1", from: "saposute.kochi", to: "welfare-office.susaki")
        try sender.send(.submit(again))
        #expect(try sender.receive() == .submitted(again.id, .submitted))
        try sender.send(.submit(SampleReferral.make(id: "metrics-x", from: "saposute.kochi", to: "municipality.atlantis")))
        guard case .error(let refusal, _, _) = try sender.receive() else {
            Issue.record("no refusal for an unknown destination")
            return
        }
        #expect(refusal.code == .unknownAgency)
        try sender.send(.submit(SampleReferral.make(id: "metrics-y", from: "peer-support.hata", to: "saposute.kochi")))
        guard case .error(let spoofed, _, _) = try sender.receive() else {
            Issue.record("no refusal for a spoofed sender")
            return
        }
        #expect(spoofed.code == .spoofedSender)

        // The loop publishes its links every 200 ms: wait for the connection to show.
        var after = try Samples(Self.fetch("metrics", base + "/metrics"))
        while ContinuousClock.now < deadline, after.value("tsunagi_agency_connected", ["agency": "saposute.kochi"]) != 1 {
            after = try Samples(Self.fetch("metrics", base + "/metrics"))
        }
        #expect(after.value("tsunagi_submits_total") == 3)
        #expect(after.value("tsunagi_refusals_total", ["code": "406", "name": "unknown-agency"]) == 1)
        #expect(after.value("tsunagi_refusals_total", ["code": "410", "name": "spoofed-sender"]) == 1)
        #expect(after.value("tsunagi_refusals_total", ["code": "409"]) == 0)
        #expect(after.value("tsunagi_unacknowledged", ["destination": "welfare-office.susaki"]) == 3)
        #expect(after.value("tsunagi_overdue", ["destination": "welfare-office.susaki"]) == 0)
        #expect(after.value("tsunagi_unacknowledged", ["destination": "saposute.kochi"]) == 0)
        #expect(after.value("tsunagi_agency_connected", ["agency": "saposute.kochi"]) == 1)
        #expect(after.value("tsunagi_agency_connected", ["agency": "welfare-office.hata"]) == 0)
        #expect((after.value("tsunagi_agencies_connected") ?? 0) >= 1)
        // Four submits were stored in one or more batches, each committed with an fsync.
        #expect((after.value("tsunagi_batch_size_count") ?? 0) >= 1)
        #expect((after.value("tsunagi_batch_size_sum") ?? 0) >= 4)
        #expect((after.value("tsunagi_batch_commit_seconds_count") ?? 0) >= 1)
        #expect((after.value("tsunagi_store_fsync_seconds_count") ?? 0) >= 1)
        #expect((after.value("tsunagi_store_fsync_seconds_bucket", ["le": "+Inf"]) ?? 0) >= 1)
        #expect((after.value("tsunagi_store_bytes") ?? 0) > 0)
        #expect(after.value("tsunagi_deliveries_in_flight") != nil)
        #expect(after.value("tsunagi_status_updates_in_flight") != nil)
        #expect(after.value("tsunagi_redeliveries_total") != nil)

        let agencies = try #require(try JSONSerialization.jsonObject(with: Data(Self.fetch("body", base + "/agencies").utf8)) as? [String: Any])
        let list = try #require(agencies["agencies"] as? [[String: Any]])
        #expect(list.count == 15)
        let saposute = try #require(list.first { $0["agency"] as? String == "saposute.kochi" })
        #expect(saposute["connected"] as? Bool == true)
        #expect((saposute["connected_since"] as? String)?.hasSuffix("+09:00") == true)
        #expect(saposute["never_connected"] as? Bool == false)
        let susaki = try #require(list.first { $0["agency"] as? String == "welfare-office.susaki" })
        #expect(susaki["never_connected"] as? Bool == true)
        #expect(susaki["connected"] as? Bool == false)
        #expect(susaki["unacknowledged"] as? Int == 3)
        #expect(susaki["name"] as? String == "須崎福祉保健所")
    }
}

@Suite struct MetricsConfigTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func shippedRouterConfigListensOnLoopback() throws {
        let shipped = try MetricsConfig.load(path: Self.packageRoot + "/config/router.toml")
        #expect(shipped == MetricsConfig(host: "127.0.0.1", port: 9570))
        #expect(MetricsConfig.standard == shipped)
    }

    @Test func listenAddressesAndOff() throws {
        #expect(try MetricsConfig.parse("[::1]:9570") == MetricsConfig(host: "::1", port: 9570))
        #expect(try MetricsConfig.parse("0.0.0.0:9100") == MetricsConfig(host: "0.0.0.0", port: 9100))
        #expect(try MetricsConfig.parse("off").host == nil)
        for bad in ["9570", "127.0.0.1", "127.0.0.1:http", ":9570", "127.0.0.1:70000"] {
            #expect(throws: (any Error).self, "\(bad)") { try MetricsConfig.parse(bad) }
        }
    }
}
