import Foundation
import GRDB
import TsunagiCore
import ZeroMQ

/// What every harness does with a network folder (`tsunagi init`): its paths, outbox drops,
/// folder listings, logs, and the two readiness checks — a router that answers a handshake, a
/// worker whose ledger report the router has stored. Readiness is never read from log text.
public enum NetworkFolders {
    public static func dataDirectory(_ agency: AgencyID, in network: String) -> String {
        (network as NSString).appendingPathComponent("data/\(agency)")
    }

    public static func folder(_ agency: AgencyID, _ name: String, in network: String) -> String {
        (dataDirectory(agency, in: network) as NSString).appendingPathComponent(name)
    }

    public static func storePath(in network: String) -> String {
        (network as NSString).appendingPathComponent("data/router/router.sqlite")
    }

    /// Drops a file into an outbox the way case software should: whole, written under a hidden
    /// name and then renamed.
    public static func drop(_ data: Data, named name: String, into outbox: String) throws {
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        let temporary = (outbox as NSString).appendingPathComponent(".\(name).tmp")
        try data.write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.moveItem(atPath: temporary, toPath: (outbox as NSString).appendingPathComponent(name))
    }

    /// The visible files of a folder, sorted; none when it does not exist.
    public static func visibleFiles(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The last lines of every `.log` file in `directory`, for a failing test's message.
    public static func logs(in directory: String, lines: Int) -> String {
        visibleFiles(in: directory).filter { $0.hasSuffix(".log") }.map { name in
            let text = (try? String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Whether the router at `endpoint` admits an agency of the network and answers its HELLO with
    /// WELCOME within `limit`.
    public static func answersHandshake(endpoint: String, networkDirectory: String, within limit: Duration,
                                        while alive: () -> Bool = { true }) throws -> Bool {
        let context = try Context()
        defer { context.terminate() }
        let probe = try RawAgency(context: context, endpoint: endpoint, network: networkDirectory, agency: "regional-support-center")
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline, alive() {
            if try probe.handshake(timeoutMilliseconds: 500) { return true }
        }
        return false
    }

    /// The async form, throwing `failure` when no handshake is answered.
    public static func waitForHandshake(endpoint: String, networkDirectory: String, within limit: Duration = .seconds(30),
                                        while alive: () -> Bool = { true }, failure: @autoclosure () -> String) async throws {
        guard try answersHandshake(endpoint: endpoint, networkDirectory: networkDirectory, within: limit, while: alive) else {
            throw HarnessError(failure())
        }
    }

    /// The days and reception times of `agency`'s ledger reports in the router's store: they
    /// change when the router commits a report the agency's worker sent after its WELCOME.
    public static func reportStamps(of agency: AgencyID, storePath: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: storePath) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: storePath, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.tableExists("ledger_report") else { return [] }
            return try String.fetchAll(db, sql: "SELECT day || ' ' || received_at FROM ledger_report WHERE agency = ? ORDER BY day",
                                       arguments: [agency.rawValue])
        }
    }
}
