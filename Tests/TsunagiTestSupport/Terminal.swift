import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a program as a shell would: default signal dispositions and nothing blocked (a test's
/// threads block signals, and a tmux server or a demo that inherited that mask would never see
/// SIGTERM or SIGCHLD), standard input from /dev/null, output to a file.
///
/// Spawned and reaped here rather than through Foundation's Process: the tmux server that
/// `new-session` forks keeps the descriptors Process watches to see its child end.
public func spawnAsAShellWould(_ path: String, _ arguments: [String], output: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    guard status == 0 else { throw HarnessError("cannot start \(path): \(String(cString: strerror(status)))") }
    return pid
}

/// Reaps a child started by `spawnAsAShellWould`, waiting at most `limit`; a child still running
/// then is killed. Returns its wait status, or nil when it had to be killed.
@discardableResult
public func reap(_ pid: pid_t, within limit: Duration = .seconds(30)) -> Int32? {
    var status: Int32 = 0
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return status }
        if result == -1, errno != EINTR { return nil }
        usleep(10_000)
    }
    kill(pid, SIGKILL)
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    return nil
}

/// A tmux server of one test's own: a real terminal of a given size, typed into and read as a
/// person would. `killServer()` in the test's `defer`.
public struct Tmux: Sendable {
    public let server = "tsunagi-test-\(UUID().uuidString.prefix(8))"

    public init() {}

    /// Runs a tmux command to its end (at most 30 s) and returns what it printed.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        let output = makeTemporaryDirectory("tsunagi-tmux") + "/out"
        defer { try? FileManager.default.removeItem(atPath: (output as NSString).deletingLastPathComponent) }
        let pid = try spawnAsAShellWould("/usr/bin/tmux", ["-L", server] + arguments, output: output)
        let status = reap(pid)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw HarnessError("tmux \(arguments.joined(separator: " ")) failed: \(text)") }
        return text
    }

    /// The window's text, line by line.
    public func screen(_ target: String) throws -> [String] {
        try run(["capture-pane", "-p", "-t", target]).components(separatedBy: "\n")
    }

    /// Whatever the test did, its tmux server goes.
    public func killServer() {
        _ = try? run(["kill-server"])
    }
}
