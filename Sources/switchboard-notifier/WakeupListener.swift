import Logging
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// Receives the worker's datagrams on a unix socket on a thread of its own (blocking
/// recv, off the event loop): `W` = new events committed; `T<name>\n<conversation>\n<data>`
/// = a typing indicator. Datagrams are hints: losing one only delays delivery until the
/// hub's fallback timer reads the outbox.
final class WakeupListener: @unchecked Sendable {
    private let path: String
    private let hub: Hub
    private let logger: Logger
    private var fd: Int32 = -1

    init(path: String, hub: Hub, logger: Logger) {
        self.path = path
        self.hub = hub
        self.logger = logger
    }

    func start() throws(ConfigError) {
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard fd >= 0, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ConfigError("cannot create the wake-up socket \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let oldMask = umask(0o077)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(oldMask)
        guard bound == 0 else { throw ConfigError("cannot bind the wake-up socket \(path): errno \(errno)") }
        let thread = Thread(listener: self)
        thread.start()
    }

    func stop() {
        unlink(path)
    }

    fileprivate func run() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("wake-up socket failed", metadata: ["errno": "\(errno)"])
                return
            }
            guard n > 0 else { continue }
            switch NotifierDatagram.decode(buffer[0..<n]) {
            case .wake:
                let hub = self.hub
                hub.loop.execute { hub.tail() }
            case .typing(let name, let conversationId, let data):
                let hub = self.hub
                hub.loop.execute { hub.ephemeral(name: name.rawValue, conversationId: conversationId, data: data) }
            case nil:
                continue
            }
        }
    }

    /// A plain pthread for the blocking loop.
    private final class Thread {
        let listener: WakeupListener
        init(listener: WakeupListener) { self.listener = listener }
        func start() {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self)
            pthread_create(&thread, nil, { raw in
                let me = Unmanaged<Thread>.fromOpaque(raw!).takeRetainedValue()
                me.listener.run()
                return nil
            }, box.toOpaque())
            pthread_detach(thread)
        }
    }
}
