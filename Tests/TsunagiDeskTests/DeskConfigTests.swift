import Foundation
import Testing
import TsunagiRuntime

@Suite("The worker config's [desk] table")
struct DeskConfigTests {
    func load(_ desk: String) throws -> WorkerConfig {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("tsunagi-deskconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/worker.toml"
        try """
            agency = "saposute.kochi"
            router_endpoint = "tcp://127.0.0.1:5570"
            router_public_key = "keys/router.pub"
            secret_key = "keys/saposute.kochi.key"
            data_dir = "data"
            \(desk)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try WorkerConfig.load(path: path)
    }

    @Test(arguments: ["", "[desk]"])
    func onByDefaultOnLoopbackWithTheUsersFileBesideTheLedger(table: String) throws {
        let config = try load(table)
        let desk = try #require(config.desk)
        #expect(desk.enabled)
        #expect(desk.host == "127.0.0.1")
        #expect(desk.port == 8780)
        #expect(desk.sessionMinutes == 30)
        #expect(desk.usersFile == (config.dataDirectory as NSString).appendingPathComponent("desk-users"))
    }

    @Test func enabledFalseTurnsItOff() throws {
        #expect(try load("[desk]\nenabled = false").desk?.enabled == false)
    }

    @Test func settingsAndRefusals() throws {
        let desk = try #require(try load("[desk]\nlisten = \"0.0.0.0:9000\"\nsession_minutes = 10\nenabled = false").desk)
        #expect(desk.host == "0.0.0.0")
        #expect(desk.port == 9000)
        #expect(desk.sessionMinutes == 10)
        #expect(!desk.enabled)
        for bad in ["listen = \"8780\"", "listen = \"127.0.0.1:99999\"", "session_minutes = 0"] {
            #expect(throws: ConfigError.self) { _ = try load("[desk]\n\(bad)") }
        }
    }
}
