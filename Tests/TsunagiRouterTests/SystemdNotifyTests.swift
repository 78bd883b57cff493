import Foundation
import Testing
import TsunagiTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Under systemd the router says READY=1 once it serves, pets the watchdog, and says STOPPING=1
/// on SIGTERM: a test socket stands in for systemd's.
@Suite("Router under systemd", .serialized, .timeLimit(.minutes(2)))
struct SystemdNotifyTests {
    @Test("READY=1 once serving, WATCHDOG=1 while serving, STOPPING=1 on SIGTERM")
    func notifications() throws {
        let harness = try RouterHarness()
        let socketPath = "\(harness.directory)/notify.sock"
        let listener = try NotifyListener(path: socketPath)
        let router = try DaemonProcess("tsunagi-router", ["--config", harness.network.routerConfigPath],
                                       logDirectory: harness.directory, name: "router-notify",
                                       environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"])
        defer { router.crash() }
        #expect(listener.waitFor("READY=1", within: .seconds(30)), "no READY=1; log: \(router.log)")
        #expect(listener.waitFor("WATCHDOG=1", within: .seconds(10)))
        #expect(router.stop() == 0)
        #expect(listener.waitFor("STOPPING=1", within: .seconds(5)))
    }
}

/// A datagram socket like systemd's notify socket, collecting what the daemon sends.
final class NotifyListener {
    let fd: Int32
    private var received: [String] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw HarnessError("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Waits until a datagram containing `line` has arrived.
    func waitFor(_ line: String, within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if received.contains(where: { $0.split(separator: "\n").contains(Substring(line)) }) { return true }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { received.append(String(decoding: buffer.prefix(count), as: UTF8.self)) }
        }
        return received.contains(where: { $0.split(separator: "\n").contains(Substring(line)) })
    }
}
