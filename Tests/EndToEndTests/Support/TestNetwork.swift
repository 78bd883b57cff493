import Foundation
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTools

/// A whole network in a temporary folder (`NetworkInit.create`): the real router and worker
/// executables as child processes, and read access to every ledger and the router's store.
final class TestNetwork: Sendable {
    let directory: String
    let layout: NetworkInit.Result
    let children = ChildGroup()
    private let routerChild = MutexBox<Child?>(nil)
    private let workers = MutexBox<[AgencyID: Child]>([:])

    init() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("tsunagi-e2e-\(UUID().uuidString)")
        layout = try NetworkInit.create(in: directory)
    }

    static let executableByKind = [
        "peer-support": "tsunagi-peer-support", "saposute": "tsunagi-saposute",
        "employment-base": "tsunagi-employment-base", "welfare-office": "tsunagi-welfare-office",
        "municipality": "tsunagi-municipality", "regional-support-center": "tsunagi-regional-support-center",
    ]

    func config(_ agency: AgencyID) -> String { layout.workerConfigPaths[agency]! }
    func dataDirectory(_ agency: AgencyID) -> String { (directory as NSString).appendingPathComponent("data/\(agency)") }
    func folder(_ agency: AgencyID, _ name: String) -> String { (dataDirectory(agency) as NSString).appendingPathComponent(name) }
    var storePath: String { (directory as NSString).appendingPathComponent("data/router/router.sqlite") }

    func executable(for agency: AgencyID) throws -> String {
        guard let name = Self.executableByKind[agency.kind] else { throw HarnessError("no worker kind for \(agency)") }
        return try BuiltExecutables.path(name)
    }

    // MARK: Processes

    func startRouter() async throws {
        let child = try Child(name: "router", executable: try BuiltExecutables.path("tsunagi-router"),
                              arguments: ["--config", layout.routerConfigPath],
                              logPath: (directory as NSString).appendingPathComponent("router.log"))
        children.add(child)
        routerChild.set(child)
        try await waitUntil("the router serves (log: \(child.logPath))", timeout: .seconds(20)) {
            child.log.contains("router serving")
        }
    }

    func stopRouter() async {
        if let child = routerChild.get() { await child.stop() }
    }

    @discardableResult
    func startWorker(_ agency: AgencyID) async throws -> Child {
        let child = try Child(name: agency.rawValue, executable: try executable(for: agency),
                              arguments: ["run", "--config", config(agency)],
                              logPath: (directory as NSString).appendingPathComponent("\(agency).log"))
        children.add(child)
        workers.update { $0[agency] = child }
        try await waitUntil("worker \(agency) connects (log: \(child.logPath))", timeout: .seconds(20)) {
            child.log.contains("router connection up")
        }
        return child
    }

    func worker(_ agency: AgencyID) -> Child? { workers.get()[agency] }

    /// Runs one of the agency's commands to its end; returns its exit status and output.
    func command(_ agency: AgencyID, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let logPath = (directory as NSString).appendingPathComponent("command-\(UUID().uuidString).out")
        let child = try Child(name: "command", executable: try executable(for: agency),
                              arguments: arguments + ["--config", config(agency)], logPath: logPath)
        children.add(child)
        try await waitUntil("'\(arguments.joined(separator: " "))' finishes", timeout: .seconds(20)) { !child.isRunning }
        return (child.exitStatus ?? -1, child.log)
    }

    func shutdown() {
        children.killAll()
    }

    // MARK: Files and stores

    /// Drops a file into an agency's outbox the way case software should: whole, by rename.
    func drop(_ data: Data, named name: String, into agency: AgencyID) throws {
        let outbox = folder(agency, "outbox")
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        let temp = (outbox as NSString).appendingPathComponent(".\(name).tmp")
        try data.write(to: URL(fileURLWithPath: temp))
        try FileManager.default.moveItem(atPath: temp, toPath: (outbox as NSString).appendingPathComponent(name))
    }

    func files(_ agency: AgencyID, _ name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder(agency, name))) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func ledger(_ agency: AgencyID) throws -> AgencyLedger {
        try AgencyLedger(path: folder(agency, "ledger.sqlite"))
    }

    func routerState(_ id: String) throws -> HandoffState? {
        guard FileManager.default.fileExists(atPath: storePath) else { return nil }
        return try StoreReader(path: storePath).summary(of: ReferralID(rawValue: id)!)?.state
    }

    func sentState(_ agency: AgencyID, _ id: String) throws -> HandoffState? {
        try ledger(agency).sent().first { $0.referral.id.rawValue == id }?.state
    }

    func receivedState(_ agency: AgencyID, _ id: String) throws -> HandoffState? {
        try ledger(agency).received().first { $0.referral.id.rawValue == id }?.state
    }

    /// Output of every process, for a failing test's message.
    func logs() -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { name in
            let text = (try? String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

/// A value shared between a test and its helpers.
final class MutexBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
    func update(_ change: (inout Value) -> Void) { value.withLock { change(&$0) } }
}
