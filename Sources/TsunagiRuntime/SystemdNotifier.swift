import Foundation

/// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. Silent when not under systemd.
public struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// Half the watchdog interval systemd asked for, if it asked.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 {
            watchdogInterval = .microseconds(micros / 2)
        } else {
            watchdogInterval = nil
        }
    }

    public var isActive: Bool { socketPath != nil }

    public func ready(status: String? = nil) { send("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? "")) }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

    public func send(_ state: String) {
        guard let socketPath else { return }
        SystemCalls.sendDatagram(Array(state.utf8), toUnixSocket: socketPath)
    }
}
