import Foundation
import TsunagiCore
import TsunagiRuntime

/// The desk the demo leaves running when it keeps the network up: one agency's, on the usual port,
/// with a demo login made by the worker's own `desk user add`.
extension DemoRun {
    static let deskPort = DeskConfig.defaultPort
    static let deskLogin = (user: "demo", password: "tsunagi-demo")

    /// The agency whose desk the demo serves.
    var deskAgency: (agency: AgencyID, executable: String) { DemoScenario.workers[0] }

    /// Puts that agency's desk on the usual port, turns the other workers' desks off (the demo
    /// leaves one), and adds the demo login (before the workers start).
    func prepareDesk(_ network: NetworkInit.Result) throws {
        let (agency, executable) = deskAgency
        guard let config = network.workerConfigPaths[agency] else { throw DemoError("init wrote no worker config for \(agency)") }
        for (other, path) in network.workerConfigPaths where other != agency {
            try NetworkInit.setDesk(in: path, enabled: false)
        }
        try NetworkInit.setDesk(in: config, listen: "127.0.0.1:\(Self.deskPort)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path(executable, in: options.executableDirectory))
        process.arguments = ["desk", "user", "add", Self.deskLogin.user, "--config", config]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data((Self.deskLogin.password + "\n").utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DemoError("`\(executable) desk user add` failed: \(text.trimmingTrailingNewlines)")
        }
    }

    /// What to tell the user about the desk while the network keeps running.
    func announceDesk() {
        let (agency, _) = deskAgency
        say("The desk of \(name(agency)): http://127.0.0.1:\(Self.deskPort)/ — log in as \(Self.deskLogin.user) / \(Self.deskLogin.password)")
    }
}
