#if canImport(Glibc)
import Glibc
#endif

/// A C call that failed: which call (with its argument, when that helps an operator), and errno.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let code: Int32

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call) failed: \(String(cString: strerror(code))) (\(code))" }
}

/// Runs `body` with the process umask set to `mask`, then restores it. Sockets are
/// created by bind(), which has no mode argument: the umask is the only way to make a
/// socket owner-only from the start rather than chmod it after others could connect.
public func withFileCreationMask<T, E: Error>(_ mask: mode_t, _ body: () throws(E) -> T) throws(E) -> T {
    let old = umask(mask)
    defer { umask(old) }
    return try body()
}
