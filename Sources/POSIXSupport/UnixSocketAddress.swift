#if canImport(Glibc)
import Glibc
#endif

/// A filled `sockaddr_un`. The path is checked against `sun_path`'s size instead of being
/// cut short: a truncated path would silently name another socket. A path starting with `@`
/// names a socket in Linux's abstract namespace (as systemd's `NOTIFY_SOCKET` may).
public struct UnixSocketAddress: Sendable {
    public let path: String
    private let storage: sockaddr_un
    private let length: socklen_t

    public init(path: String) throws(SystemCallError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        // One byte stays for the terminating NUL (an abstract name has none).
        guard bytes.count > (abstract ? 1 : 0), bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemCallError(call: "sockaddr_un(\(path))", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        self.path = path
        storage = address
        length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1))
    }

    /// The address as the socket calls take it.
    public func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        var address = storage
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}
