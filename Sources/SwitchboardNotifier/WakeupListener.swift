import Logging
import POSIXSupport
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// Receives the worker's datagrams on a unix socket on a thread of its own (blocking
/// recv, off the event loop): `W` = new events committed; `T<name>\n<conversation>\n<data>`
/// = a typing indicator. Datagrams are hints: losing one only delays delivery until the
/// hub's fallback timer reads the outbox.
public final class WakeupListener: @unchecked Sendable {
    private let path: String
    private let hub: Hub
    private let logger: Logger
    private var fd: Int32 = -1

    public init(path: String, hub: Hub, logger: Logger) {
        self.path = path
        self.hub = hub
        self.logger = logger
    }

    public func start() throws(SystemCallError) {
        fd = try UnixSocket.bindDatagram(path: path)
        try NativeThread.detach { self.run() }
    }

    public func stop() {
        unlink(path)
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("wake-up socket failed", metadata: ["errno": "\(errno)"])
                return
            }
            guard n > 0 else { continue }
            guard let datagram = NotifierDatagram.decode(buffer[0..<n]) else { continue }
            let hub = self.hub
            hub.loop.execute { hub.receive(datagram) }
        }
    }
}
