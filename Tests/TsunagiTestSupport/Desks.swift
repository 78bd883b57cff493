import Foundation
import TsunagiCore
import TsunagiTools
#if canImport(Glibc)
import Glibc
#endif

/// The agencies' desks in a `RouterHarness` network: turn one on, give it a staff account, wait
/// until it listens.
extension RouterHarness {
    /// Puts `agency`'s desk on `port` (before the worker starts); `tsunagi init` gave it another free one.
    public func enableDesk(_ agency: AgencyID, port: Int) throws {
        guard let path = network.workerConfigPaths[agency] else { throw HarnessError("no worker config for \(agency)") }
        try NetworkInit.setDesk(in: path, listen: "127.0.0.1:\(port)")
    }

    /// `tsunagi-<kind> desk user add NAME` with the password on standard input, as an operator runs it.
    public func addDeskUser(_ agency: AgencyID, name: String, password: String) throws -> CommandResult {
        guard let executable = Self.workerExecutables[agency.kind], let config = network.workerConfigPaths[agency] else {
            throw HarnessError("no worker for \(agency) in this network")
        }
        return try runCommand(executable, ["desk", "user", "add", name, "--config", config, "--lang", "ja"], input: password + "\n")
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice for port 0).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw HarnessError("bind: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func isListening(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
