import ArgumentParser
import Dispatch
import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// `tsunagi watch`: the pending view, redrawn in place and fitted to the terminal; `q` quits.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A live view of unacknowledged referrals, overdue first, refreshed in place; q quits.",
        discussion: "Exit status: 0 after q (or --once), 2 a store or registry that cannot be read, 128+N after signal N.")

    @OptionGroup var location: StoreLocationOptions

    @Option(help: "Only referrals this agency sent or must answer.")
    var agency: String?

    @Flag(help: "Only overdue referrals.")
    var overdue = false

    @Option(help: "Seconds between refreshes.")
    var interval: Int = 5

    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Print one frame and exit (for scripts and tests).")
    var once = false

    func validate() throws {
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
    }

    func run() async throws {
        let paths = try location.paths()
        let agencyFilter = try parseAgency(agency)
        let reader = try reportingFailures { try StoreReader(path: paths.store) }
        let names = try reportingFailures { try paths.loadDirectoryIfPresent() }
        func frame(clear: Bool, interactive: Bool) throws -> String {
            let items = try reportingFailures { try PendingView.items(reader: reader, agency: agencyFilter, overdueOnly: overdue) }
            let size = TerminalScreen.size()
            return WatchScreen.frame(items: items, names: names, width: size.columns, height: size.rows,
                                     colour: !once && WatchScreen.wantsColour(noColourFlag: noColor),
                                     clear: clear, interactive: interactive, agency: agencyFilter)
        }
        if once {
            print(try frame(clear: false, interactive: false), terminator: "")
            return
        }
        let events = WatchEvents(interval: interval)
        let interactive = events.terminal != nil
        FileHandle.standardOutput.write(Data(WatchScreen.enterFullScreen.utf8))
        defer { events.restoreScreen() }
        for await event in events.stream {
            switch event {
            case .redraw:
                FileHandle.standardOutput.write(Data(try frame(clear: true, interactive: interactive).utf8))
            case .quit:
                return
            case .signal(let number):
                events.restoreScreen()
                throw ExitCode(128 + number)
            }
        }
    }
}

/// What wakes `tsunagi watch`: the refresh timer, a resized window, a key, a signal. The
/// terminal is put back (settings, screen, cursor) on every way out.
/// Unchecked: the dispatch sources are set up in `init` and never touched again; they are kept only
/// so that they stay alive.
final class WatchEvents: @unchecked Sendable {
    enum Event: Sendable { case redraw, quit, signal(Int32) }

    let stream: AsyncStream<Event>
    let terminal: RawTerminal?
    private let sources: [any DispatchSourceProtocol]

    init(interval: Int) {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        self.stream = stream
        terminal = RawTerminal()
        let queue = DispatchQueue(label: "tsunagi.watch.events")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .seconds(interval))
        timer.setEventHandler { continuation.yield(.redraw) }
        var sources: [any DispatchSourceProtocol] = [timer]
        for number in [SIGINT, SIGTERM, SIGHUP, SIGWINCH] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number == SIGWINCH ? .redraw : .signal(number)) }
            sources.append(source)
        }
        self.sources = sources
        for source in sources { source.resume() }
        if let terminal {
            // A blocking read on a thread of its own: q (or Q) quits, any other key redraws; the
            // end of input (the terminal closed) quits too.
            let reader = Thread {
                while let byte = terminal.readByte() {
                    continuation.yield(byte == UInt8(ascii: "q") || byte == UInt8(ascii: "Q") ? .quit : .redraw)
                }
                continuation.yield(.quit)
            }
            reader.name = "tsunagi-watch-keys"
            reader.start()
        }
    }

    func restoreScreen() {
        terminal?.restore()
        FileHandle.standardOutput.write(Data(WatchScreen.leaveFullScreen.utf8))
    }
}
