#if canImport(Glibc)
import Glibc
#endif

/// The unix-socket calls Switchboard makes by hand (the rest goes through libfcgi or NIO).
public enum UnixSocket {
    /// Binds a new datagram socket at `path` (replacing a stale file), created under umask
    /// 077 so only this user's processes can send to it. Returns the blocking descriptor.
    public static func bindDatagram(path: String) throws(SystemCallError) -> Int32 {
        let address = try UnixSocketAddress(path: path)
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError(call: "socket(\(path))", code: errno) }
        let bound = withFileCreationMask(0o077) { address.withSockaddr { bind(fd, $0, $1) } }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SystemCallError(call: "bind(\(path))", code: code)
        }
        return fd
    }

    /// Whether something accepts stream connections at `address` right now (a health probe).
    public static func canConnect(to address: UnixSocketAddress) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        return address.withSockaddr { connect(probe, $0, $1) == 0 }
    }
}

/// Sends datagrams to one unix-socket address without ever blocking: when the receiver is
/// missing or its queue is full the datagram is dropped, which callers accept by design.
public final class UnixDatagramSender: Sendable {
    private let fd: Int32
    private let address: UnixSocketAddress

    public init(to address: UnixSocketAddress) {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// True when the kernel took the datagram.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        guard fd >= 0 else { return false }
        return address.withSockaddr { target, length in
            bytes.withUnsafeBytes { buffer in
                sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), target, length) == buffer.count
            }
        }
    }
}
