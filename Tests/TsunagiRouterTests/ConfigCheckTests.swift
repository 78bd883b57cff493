import Foundation
import Testing
import TsunagiTestSupport

/// `tsunagi config check` over the real executable, on a network `tsunagi init` made.
@Suite("tsunagi config check", .serialized, .timeLimit(.minutes(2)))
struct ConfigCheckTests {
    /// Runs `tsunagi config check ARGS`; returns its exit status and everything it printed.
    func check(_ arguments: [String], in directory: String) throws -> (status: Int32?, output: String) {
        let process = try DaemonProcess("tsunagi", ["config", "check"] + arguments, logDirectory: directory, name: "config-check")
        #expect(process.waitForExit(within: .seconds(30)))
        return (process.exitStatus, process.log)
    }

    @Test("a fresh network's router config, registry and worker configs are clean (exit 0)")
    func freshNetworkIsClean() throws {
        let harness = try RouterHarness()
        let net = harness.network.directory
        let result = try check(["\(net)/router.toml", "\(net)/agencies.toml", "\(net)/workers/saposute.kochi.toml"], in: harness.directory)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("router OK") && result.output.contains("registry OK") && result.output.contains("worker OK"))
    }

    @Test("each mistake is named and the exit status is 1")
    func mistakesAreNamed() throws {
        let harness = try RouterHarness()
        let net = harness.network.directory
        let routerConfig = try String(contentsOfFile: "\(net)/router.toml", encoding: .utf8)
        try routerConfig.replacingOccurrences(of: "max_batch", with: "max_bach")
            .replacingOccurrences(of: harness.endpoint, with: "tcp://*:70000")
            .write(toFile: "\(net)/router.toml", atomically: true, encoding: .utf8)
        let registry = try String(contentsOfFile: "\(net)/agencies.toml", encoding: .utf8)
        try registry.replacingOccurrences(of: "region = \"幡多\"", with: "regoin = \"幡多\"")
            .write(toFile: "\(net)/agencies.toml", atomically: true, encoding: .utf8)
        // A worker that would start with another office's key, and a secret key others can read.
        try FileManager.default.removeItem(atPath: "\(net)/keys/saposute.kochi.key")
        try FileManager.default.copyItem(atPath: "\(net)/keys/saposute.nankoku.key", toPath: "\(net)/keys/saposute.kochi.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(net)/keys/welfare-office.aki.key")

        let router = try check(["\(net)/router.toml"], in: harness.directory)
        #expect(router.status == 1)
        #expect(router.output.contains("unknown setting 'max_bach'"), "\(router.output)")
        #expect(router.output.contains("port '70000'"), "\(router.output)")
        let agencies = try check(["\(net)/agencies.toml"], in: harness.directory)
        #expect(agencies.status == 1)
        #expect(agencies.output.contains("unknown setting 'regoin'"), "\(agencies.output)")
        let kochi = try check(["\(net)/workers/saposute.kochi.toml"], in: harness.directory)
        #expect(kochi.status == 1)
        #expect(kochi.output.contains("secret_key does not match"), "\(kochi.output)")
        let aki = try check(["\(net)/workers/welfare-office.aki.toml"], in: harness.directory)
        #expect(aki.status == 1)
        #expect(aki.output.contains("secret_key"), "\(aki.output)")
        // Another worker of the same network is still clean.
        #expect(try check(["\(net)/workers/saposute.nankoku.toml"], in: harness.directory).status == 0)
    }

    @Test("a file that cannot be checked: exit 2")
    func unreadableFile() throws {
        let directory = makeTemporaryDirectory("tsunagi-config-check")
        #expect(try check(["\(directory)/missing.toml"], in: directory).status == 2)
        try "just = \"a table\"\n".write(toFile: "\(directory)/other.toml", atomically: true, encoding: .utf8)
        #expect(try check(["\(directory)/other.toml"], in: directory).status == 2)
    }
}
