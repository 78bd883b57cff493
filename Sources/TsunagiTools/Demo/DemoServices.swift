import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// Where a demo service runs: the demo's network and the loopback port the demo gave it (the
/// service's usual port when that is free, else any free one).
public struct DemoServiceContext: Sendable {
    public let network: NetworkInit.Result
    public let port: Int
    /// The folder of the executables (`tsunagi` and its siblings).
    public let executableDirectory: String
}

/// A long-running program the demo starts beside the network for a person to open — the
/// coordinators' console, an agency's desk (product.md §8) — when the demo stays running
/// (`DemoOptions.staysRunning`: `--keep-running`, or started from a terminal once a service is
/// listed here).
///
/// To add one, append it to `DemoServices.all`. After the morning the demo runs its `setup`
/// commands (an account for the person), starts it as a child like the router (its log in
/// `logs/NAME.log`), waits until `isReady` holds, prints its `instructions` (address, login) last,
/// and stops it with the rest on Ctrl-C, SIGTERM or a closed terminal.
public struct DemoService: Sendable {
    /// A command of the service's executable run to its end before the service starts, with
    /// `input` on its standard input.
    public struct SetupCommand: Sendable {
        public var arguments: [String]
        public var input: String

        public init(arguments: [String], input: String = "") {
            self.arguments = arguments
            self.input = input
        }
    }

    public var name: String
    /// An executable built beside `tsunagi`.
    public var executable: String
    /// The port it is usually found on; the demo takes another when that one is in use.
    public var preferredPort: Int
    public var setup: @Sendable (DemoServiceContext) -> [SetupCommand]
    public var arguments: @Sendable (DemoServiceContext) -> [String]
    /// Polled every 10 ms until it holds (for at most the demo's step limit).
    public var isReady: @Sendable (DemoServiceContext) -> Bool
    /// What to tell the person: where to open it and how to log in.
    public var instructions: @Sendable (DemoServiceContext) -> [String]

    public init(name: String, executable: String, preferredPort: Int,
                setup: @escaping @Sendable (DemoServiceContext) -> [SetupCommand] = { _ in [] },
                arguments: @escaping @Sendable (DemoServiceContext) -> [String],
                isReady: @escaping @Sendable (DemoServiceContext) -> Bool,
                instructions: @escaping @Sendable (DemoServiceContext) -> [String]) {
        self.name = name
        self.executable = executable
        self.preferredPort = preferredPort
        self.setup = setup
        self.arguments = arguments
        self.isReady = isReady
        self.instructions = instructions
    }
}

public enum DemoServices {
    /// The console's demo login (the same words as the desk's, DemoRun.deskLogin).
    public static let consoleLogin = (user: "demo", password: "tsunagi-demo")

    /// The coordinators' console (`tsunagi console`, docs/CONSOLE.md) on the demo's store.
    public static let console = DemoService(
        name: "console", executable: "tsunagi", preferredPort: 8790,
        setup: { context in
            [.init(arguments: ["console", "user", "add", consoleLogin.user, "--config", context.network.routerConfigPath],
                   input: consoleLogin.password + "\n")]
        },
        arguments: { context in
            ["console", "--config", context.network.routerConfigPath, "--listen", "127.0.0.1:\(context.port)"]
        },
        isReady: { context in answers("http://127.0.0.1:\(context.port)/login") },
        instructions: { context in
            ["The coordinators' console (未応答の紹介, 実績, 突合, 接続状況): http://127.0.0.1:\(context.port)/ — log in as \(consoleLogin.user) / \(consoleLogin.password)"]
        })

    public static let all: [DemoService] = [console]

    /// Whether `url` answers 200 within a second (a page that exists once the server is listening).
    public static func answers(_ url: String) -> Bool {
        guard let url = URL(string: url) else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 1
        let answer = HTTPStatus()
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: request) { _, response, _ in
            answer.code.withLock { $0 = (response as? HTTPURLResponse)?.statusCode ?? 0 }
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 2) == .success else { return false }
        return answer.code.withLock { $0 } == 200
    }

    /// The status a probe's answer carried, handed from URLSession's thread.
    private final class HTTPStatus: Sendable {
        let code = Mutex(0)
    }
}
