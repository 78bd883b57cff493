import Foundation
import Testing
@testable import TsunagiRuntime

/// A worker config names every mistake of the file at once, each key once.
@Suite struct WorkerConfigTests {
    static let good = """
        agency = "saposute.kochi"
        router_endpoint = "tcp://tsunagi-router.pref.kochi.example:5570"
        router_public_key = "keys/router.pub"
        secret_key = "keys/saposute.kochi.key"
        data_dir = "data/saposute.kochi"
        registry = "agencies.toml"
        log_level = "info"

        """

    func load(_ text: String) throws -> WorkerConfig {
        let path = (try Fixtures.temporaryFolder() as NSString).appendingPathComponent("worker.toml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try WorkerConfig.load(path: path)
    }

    func problem(_ text: String) -> String {
        do {
            _ = try load(text)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test func everyDeclaredSettingIsKnown() throws {
        #expect(Set(WorkerConfig.File.known).isSuperset(of: WorkerConfig.File.required + ["registry", "log_level"]))
        let config = try load(Self.good)
        #expect(config.agency.rawValue == "saposute.kochi" && config.dataDirectory.hasSuffix("/data/saposute.kochi"))
    }

    @Test func unknownAndMissingKeysAreNamedOnceEach() {
        let text = Self.good.replacingOccurrences(of: "router_endpoint = ", with: "router_endpiont = ")
            .replacingOccurrences(of: "secret_key = ", with: "# secret_key = ")
        let said = problem(text)
        #expect(said.contains("unknown setting 'router_endpiont'"))
        #expect(said.contains("the settings 'router_endpoint', 'secret_key' are missing"))
        #expect(said.components(separatedBy: "missing").count == 2 && !said.contains("router_endpoint.router_endpoint"), "\(said)")
    }

    @Test func anEndpointMustBeTCPWithAHostAndAPort() {
        #expect(problem(Self.good.replacingOccurrences(of: "tcp://", with: "")).contains("must start with tcp://"))
        #expect(problem(Self.good.replacingOccurrences(of: ":5570", with: "")).contains("needs a host and a port"))
        #expect(problem(Self.good.replacingOccurrences(of: "\"info\"", with: "\"verbose\"")).contains("log_level 'verbose'"))
    }
}
