import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls the daemons make themselves (file locks, sd_notify's datagram), in one place,
/// with `EINTR` retried here and nowhere else.
public enum SystemCalls {
    /// Runs a system call until a signal no longer interrupts it; returns its result and `errno`.
    @discardableResult
    public static func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) -> (result: Result, errno: Int32) {
        while true {
            let result = call()
            if result >= 0 { return (result, 0) }
            let error = errno
            if error != EINTR { return (result, error) }
        }
    }

    /// The IP address of a connected socket's peer (what ZAP calls the address), if it has one.
    public static func peerAddress(ofSocket descriptor: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        guard found == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = Int32(storage.ss_family)
        let converted: UnsafePointer<CChar>? = withUnsafePointer(to: storage) { pointer in
            switch family {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    withUnsafePointer(to: address.pointee.sin_addr) { inet_ntop(AF_INET, $0, &text, socklen_t(text.count)) }
                }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    withUnsafePointer(to: address.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &text, socklen_t(text.count)) }
                }
            default:
                nil
            }
        }
        guard converted != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends one datagram to a Unix socket (sd_notify's); a leading '@' names an abstract socket.
    /// Best effort: a notification that cannot be sent is dropped.
    public static func sendDatagram(_ message: [UInt8], toUnixSocket path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        // An abstract socket's name starts with a NUL byte.
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { bytes in
                    retryingOnInterrupt { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
                }
            }
        }
    }

    /// The sentence libc has for an errno value.
    public static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}

/// An exclusive `flock` on a file, held until the value is released or the process ends (the
/// kernel drops it then, even after `kill -9`). The file says who holds it, for the one refused.
public final class ExclusiveFileLock: Sendable {
    public let path: String
    private let descriptor: Int32

    public enum Failure: Error, Sendable {
        /// Another process holds the lock; `owner` is what it wrote in the file.
        case held(owner: String)
        case unusable(String)
    }

    /// Takes the lock without waiting, and writes `owner` into the file.
    public init(path: String, owner: String) throws(Failure) {
        self.path = path
        let opened = SystemCalls.retryingOnInterrupt { open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        guard opened.result >= 0 else {
            throw .unusable("cannot open the lock file \(path): \(SystemCalls.describe(opened.errno))")
        }
        descriptor = opened.result
        let locked = SystemCalls.retryingOnInterrupt { flock(descriptor, LOCK_EX | LOCK_NB) }
        guard locked.result == 0 else {
            let owner = Self.contents(of: descriptor)
            close(descriptor)
            if locked.errno == EWOULDBLOCK { throw .held(owner: owner) }
            throw .unusable("cannot lock \(path): \(SystemCalls.describe(locked.errno))")
        }
        describeOwner(owner)
    }

    /// Replaces what the file says about the holder (e.g. once the endpoint is bound).
    public func describeOwner(_ owner: String) {
        let bytes = Array((owner + "\n").utf8)
        SystemCalls.retryingOnInterrupt { ftruncate(descriptor, 0) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                SystemCalls.retryingOnInterrupt { pwrite(descriptor, buffer.baseAddress, buffer.count, off_t(offset)) }.result
            }
            guard written > 0 else { return }
            offset += written
        }
    }

    private static func contents(of descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = buffer.withUnsafeMutableBytes { bytes in
            SystemCalls.retryingOnInterrupt { pread(descriptor, bytes.baseAddress, bytes.count, 0) }.result
        }
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { close(descriptor) }
}
