import Foundation
import Synchronization
import TsunagiCore
import TsunagiRuntime
import TsunagiStore
import TsunagiTools
import ZeroMQ

/// A whole network in a temporary folder (`NetworkInit.create`): the real router and worker
/// executables as child processes, and read access to every ledger and the router's store. The
/// async sibling of `RouterHarness`; both share the folder helpers of NetworkFolders.swift.
public final class TestNetwork: Sendable {
    public let directory: String
    public let layout: NetworkInit.Result
    public let children = ChildGroup()
    private let routerChild = MutexBox<Child?>(nil)
    private let workers = MutexBox<[AgencyID: Child]>([:])

    public init() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("tsunagi-e2e-\(UUID().uuidString)")
        layout = try NetworkInit.create(in: directory)
    }

    public static var executableByKind: [String: String] { RouterHarness.workerExecutables }

    public func config(_ agency: AgencyID) -> String { layout.workerConfigPaths[agency]! }
    public func dataDirectory(_ agency: AgencyID) -> String { NetworkFolders.dataDirectory(agency, in: directory) }
    public func folder(_ agency: AgencyID, _ name: String) -> String { NetworkFolders.folder(agency, name, in: directory) }
    public var storePath: String { NetworkFolders.storePath(in: directory) }

    public func executable(for agency: AgencyID) throws -> String {
        guard let name = Self.executableByKind[agency.kind] else { throw HarnessError("no worker kind for \(agency)") }
        return BuiltExecutables.path(name)
    }

    // MARK: Processes

    /// Starts the router and returns once an agency's CURVE handshake is answered with WELCOME.
    public func startRouter() async throws {
        let child = try Child(name: "router", executable: BuiltExecutables.path("tsunagi-router"),
                              arguments: ["--config", layout.routerConfigPath],
                              logPath: (directory as NSString).appendingPathComponent("router.log"))
        children.add(child)
        routerChild.set(child)
        try await NetworkFolders.waitForHandshake(endpoint: layout.endpoint, networkDirectory: directory, while: { child.isRunning },
                                                  failure: "the router did not answer a handshake (log: \(child.logPath))")
    }

    public func stopRouter() async {
        if let child = routerChild.get() { await child.stop() }
    }

    /// Starts `agency`'s worker and returns once the router has stored a ledger report the worker
    /// sent on this connection: the worker was welcomed and its requests are committed.
    @discardableResult
    public func startWorker(_ agency: AgencyID) async throws -> Child {
        let reportsBefore = try NetworkFolders.reportStamps(of: agency, storePath: storePath)
        let child = try Child(name: agency.rawValue, executable: try executable(for: agency),
                              arguments: ["run", "--config", config(agency)],
                              logPath: (directory as NSString).appendingPathComponent("\(agency).log"))
        children.add(child)
        workers.update { $0[agency] = child }
        try await waitUntil("worker \(agency) is welcomed and its ledger report stored (log: \(child.logPath))", timeout: .seconds(20)) {
            try NetworkFolders.reportStamps(of: agency, storePath: self.storePath) != reportsBefore
        }
        return child
    }

    public func worker(_ agency: AgencyID) -> Child? { workers.get()[agency] }

    /// Runs one of the agency's commands to its end; returns its exit status and output.
    public func command(_ agency: AgencyID, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let logPath = (directory as NSString).appendingPathComponent("command-\(UUID().uuidString).out")
        let child = try Child(name: "command", executable: try executable(for: agency),
                              arguments: arguments + ["--config", config(agency)], logPath: logPath)
        children.add(child)
        try await waitUntil("'\(arguments.joined(separator: " "))' finishes", timeout: .seconds(20)) { !child.isRunning }
        return (child.exitStatus ?? -1, child.log)
    }

    public func shutdown() {
        children.killAll()
    }

    // MARK: Files and stores

    /// Drops a file into an agency's outbox the way case software should: whole, by rename.
    public func drop(_ data: Data, named name: String, into agency: AgencyID) throws {
        try NetworkFolders.drop(data, named: name, into: folder(agency, "outbox"))
    }

    public func files(_ agency: AgencyID, _ name: String) -> [String] {
        NetworkFolders.visibleFiles(in: folder(agency, name))
    }

    public func ledger(_ agency: AgencyID) throws -> AgencyLedger {
        try AgencyLedger(path: folder(agency, "ledger.sqlite"))
    }

    public func routerState(_ id: String) throws -> HandoffState? {
        guard FileManager.default.fileExists(atPath: storePath) else { return nil }
        return try StoreReader(path: storePath).summary(of: ReferralID(rawValue: id)!)?.state
    }

    public func sentState(_ agency: AgencyID, _ id: String) throws -> HandoffState? {
        try ledger(agency).sent().first { $0.referral.id.rawValue == id }?.state
    }

    public func receivedState(_ agency: AgencyID, _ id: String) throws -> HandoffState? {
        try ledger(agency).received().first { $0.referral.id.rawValue == id }?.state
    }

    /// Output of every process, for a failing test's message.
    public func logs() -> String {
        NetworkFolders.logs(in: directory, lines: 30)
    }
}

/// A value shared between a test and its helpers.
public final class MutexBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    public init(_ initial: Value) { value = Mutex(initial) }
    public func get() -> Value { value.withLock { $0 } }
    public func set(_ newValue: Value) { value.withLock { $0 = newValue } }
    public func update(_ change: (inout Value) -> Void) { value.withLock { change(&$0) } }
}
