#if canImport(Glibc)
import Glibc
#endif

/// Host names to addresses with the system's resolver (`getaddrinfo`: /etc/hosts, DNS, and
/// every numeric spelling inet_aton accepts: `2130706433`, `0177.0.0.1`, `0x7f.1`).
public enum AddressResolver {
    /// The addresses of `host`, 4 bytes (IPv4) or 16 (IPv6) each, in the resolver's order
    /// and without repeats; nil when it does not resolve. Blocks: call off any event loop.
    public static func resolve(_ host: String, port: Int) -> [[UInt8]]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let raw = entry.pointee.ai_addr {
                var bytes: [UInt8] = []
                switch Int32(raw.pointee.sa_family) {
                case AF_INET:
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        withUnsafeBytes(of: v4.pointee.sin_addr) { bytes = Array($0) }
                    }
                case AF_INET6:
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        withUnsafeBytes(of: v6.pointee.sin6_addr) { bytes = Array($0) }
                    }
                default: break
                }
                if !bytes.isEmpty, !addresses.contains(bytes) { addresses.append(bytes) }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses.isEmpty ? nil : addresses
    }
}
