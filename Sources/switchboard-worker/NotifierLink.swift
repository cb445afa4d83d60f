import SwitchboardAPI
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// The worker's side of the notifier link: best-effort datagrams on a unix socket. A
/// wake-up says "new events are committed"; a typing signal carries its own payload
/// (typing is never stored). Nothing waits on the notifier: if it is down or slow the
/// datagram is dropped and the notifier's fallback timer catches up from the outbox.
final class NotifierLink: RealtimeSink, @unchecked Sendable {
    private let fd: Int32
    private var address = sockaddr_un()
    private let addressLength: socklen_t
    private let notifierSocketPath: String

    init(wakeupPath: String, notifierSocketPath: String) {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(wakeupPath.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        addressLength = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        self.notifierSocketPath = notifierSocketPath
    }

    /// "New events are committed".
    func wake() { send(NotifierDatagram.wake.encode()) }

    func typing(_ signal: TypingSignal) {
        send(NotifierDatagram.typing(name: signal.eventName, conversationId: signal.conversationId, data: signal.data.text).encode())
    }

    private func send(_ bytes: [UInt8]) {
        guard fd >= 0 else { return }
        var address = self.address
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), sockaddrPointer, addressLength)
                }
            }
        }
    }

    /// Whether the notifier accepts connections on its socket (for `/api/v1/health`).
    func notifierReachable() -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(notifierSocketPath.utf8.prefix(MemoryLayout.size(ofValue: target.sun_path) - 1))
        withUnsafeMutableBytes(of: &target.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, length) == 0 }
        }
    }
}
