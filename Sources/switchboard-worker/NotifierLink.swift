import POSIXSupport
import SwitchboardAPI
import SwitchboardCore

/// The worker's side of the notifier link: best-effort datagrams on a unix socket. A
/// wake-up says "new events are committed"; a typing signal carries its own payload
/// (typing is never stored). Nothing waits on the notifier: if it is down or slow the
/// datagram is dropped and the notifier's fallback timer catches up from the outbox.
final class NotifierLink: RealtimeSink, Sendable {
    private let datagrams: UnixDatagramSender
    private let notifierSocket: UnixSocketAddress

    init(wakeupPath: String, notifierSocketPath: String) throws(SystemCallError) {
        datagrams = UnixDatagramSender(to: try UnixSocketAddress(path: wakeupPath))
        notifierSocket = try UnixSocketAddress(path: notifierSocketPath)
    }

    /// "New events are committed".
    func wake() { datagrams.send(NotifierDatagram.wake.encode()) }

    func typing(_ signal: TypingSignal) {
        guard let payload = try? signal.payload() else { return }
        datagrams.send(NotifierDatagram.typing(name: signal.eventName, conversationId: signal.conversationId,
                                               data: String(decoding: payload, as: UTF8.self)).encode())
    }

    /// Whether the notifier accepts connections on its socket (for `/api/v1/health`).
    func notifierReachable() -> Bool {
        UnixSocket.canConnect(to: notifierSocket)
    }
}
