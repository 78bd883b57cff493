import Foundation
import TsunagiCore

/// The desk the demo leaves running when it keeps the network up: one agency's, on the usual port,
/// with a demo login made by the worker's own `desk user add`.
extension DemoRun {
    static let deskPort = 8780
    static let deskLogin = (user: "demo", password: "tsunagi-demo")

    /// The agency whose desk the demo serves.
    var deskAgency: (agency: AgencyID, executable: String) { DemoScenario.workers[0] }

    /// Turns the desk on in that agency's worker config and adds the demo login (before the worker starts).
    func prepareDesk(_ network: NetworkInit.Result) throws {
        let (agency, executable) = deskAgency
        guard let config = network.workerConfigPaths[agency] else { throw DemoError("init wrote no worker config for \(agency)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n# The staff's web desk (docs/DESK.md).\n[desk]\nlisten = \"127.0.0.1:\(Self.deskPort)\"\n".utf8))
        try handle.close()
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
