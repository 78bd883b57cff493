import Foundation
import TsunagiCore
import TsunagiRuntime
#if canImport(Glibc)
import Glibc
#endif

/// What `tsunagi demo` needs from its command line.
public struct DemoOptions: Sendable {
    /// The folder the demo's networks live in; each run gets its own subfolder, nothing is deleted.
    public var varDirectory: String
    /// Leave the router and workers running after the morning, until Ctrl-C (`--keep-running`).
    public var keepRunning: Bool
    /// Whether standard input is a terminal: then the long-running services (`DemoServices`) stay
    /// up until Ctrl-C; without one (CI, a script) the demo stops by itself at the end.
    public var interactive: Bool = isatty(STDIN_FILENO) == 1
    /// Where tsunagi-router and the worker executables are (beside the running `tsunagi`).
    public var executableDirectory: String
    /// How the user started `tsunagi`, to print commands they can paste.
    public var commandName: String
    /// How long any one step may take before the demo gives up.
    public var stepLimit: Duration = .seconds(20)

    /// Whether the demo waits for Ctrl-C after the morning instead of stopping by itself.
    public var staysRunning: Bool { keepRunning || (interactive && !DemoServices.all.isEmpty) }

    public init(varDirectory: String, keepRunning: Bool, executableDirectory: String, commandName: String) {
        self.varDirectory = varDirectory
        self.keepRunning = keepRunning
        self.executableDirectory = executableDirectory
        self.commandName = commandName
    }
}

/// `tsunagi demo`: a whole network on loopback — `init`, the real router and one worker of each
/// kind as child processes, a morning of hand-offs through outbox files and the workers' own
/// commands, the pending view, the ledger reports and a reconcile, then a clean stop.
public enum Demo {
    /// Runs the demo, saying what it does through `say`. Returns the exit status: 0 when the
    /// reconcile agrees, 1 when it does not. Every child is stopped on every way out.
    public static func run(_ options: DemoOptions, say: @escaping @Sendable (String) -> Void) throws -> Int32 {
        let children = DemoChildren()
        let signals = DemoSignals(children: children, say: say)
        signals.install()
        defer {
            children.stopAll()
            signals.uninstall()
        }
        let run = try DemoRun(options: options, children: children, say: say)
        signals.runFolder.withLock { $0 = run.folder }
        do {
            return try run.play(signals: signals)
        } catch {
            // Ctrl-C stops the children under the step that was running, which then fails; the
            // interrupt's handler is stopping everything and exits with 128 + signal.
            signals.parkIfInterrupted()
            throw error
        }
    }

    /// The running executable's own folder (Linux: /proc/self/exe), where its siblings are built.
    public static func executableDirectory(argumentZero: String = CommandLine.arguments[0]) -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return (resolved as NSString).deletingLastPathComponent
        }
        return URL(fileURLWithPath: argumentZero).resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}
