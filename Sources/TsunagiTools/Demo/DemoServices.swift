import Foundation

/// A long-running program the demo starts beside the network for a person to open — the
/// coordinators' console, an agency's desk (product.md §8) — when the demo stays running
/// (`DemoOptions.staysRunning`: `--keep-running`, or started from a terminal once a service is
/// listed here).
///
/// To add one, append it to `DemoServices.all`. After the morning the demo starts it as a child
/// like the router (its log in `logs/NAME.log`), waits until `isReady` holds, prints its
/// `instructions` (address, login), and stops it with the rest on Ctrl-C, SIGTERM or a closed
/// terminal.
public struct DemoService: Sendable {
    public var name: String
    /// An executable built beside `tsunagi`.
    public var executable: String
    public var arguments: @Sendable (NetworkInit.Result) -> [String]
    /// Polled every 10 ms until it holds (for at most the demo's step limit).
    public var isReady: @Sendable (NetworkInit.Result) -> Bool
    /// What to tell the person: where to open it and how to log in.
    public var instructions: @Sendable (NetworkInit.Result) -> [String]

    public init(name: String, executable: String, arguments: @escaping @Sendable (NetworkInit.Result) -> [String],
                isReady: @escaping @Sendable (NetworkInit.Result) -> Bool,
                instructions: @escaping @Sendable (NetworkInit.Result) -> [String]) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.isReady = isReady
        self.instructions = instructions
    }
}

public enum DemoServices {
    /// None yet: the console and a desk join here.
    public static let all: [DemoService] = []
}
