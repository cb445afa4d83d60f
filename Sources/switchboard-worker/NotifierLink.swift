import POSIXSupport
import SwitchboardAPI
import SwitchboardCore
import Dispatch
import Synchronization

/// The worker's side of the notifier link: best-effort datagrams on a unix socket. A
/// wake-up says "new events are committed"; a typing signal carries its own payload
/// (typing is never stored). Nothing waits on the notifier: if it is down or slow the
/// datagram is dropped and the notifier's fallback timer catches up from the outbox.
final class NotifierLink: RealtimeSink, Sendable {
    private let datagrams: UnixDatagramSender
    private let notifierSocket: UnixSocketAddress
    /// The last probe: when (monotonic ms) and what it found.
    private let lastProbe = Mutex<(at: UInt64, reachable: Bool)?>(nil)

    init(wakeupPath: String, notifierSocketPath: String) throws(SystemCallError) {
        datagrams = UnixDatagramSender(to: try UnixSocketAddress(path: wakeupPath))
        notifierSocket = try UnixSocketAddress(path: notifierSocketPath)
    }

    /// "New events are committed".
    func wake() { datagrams.send(NotifierDatagram.wake.encode()) }

    func typing(_ signal: TypingSignal) {
        guard let payload = try? signal.payload() else { return }
        datagrams.send(NotifierDatagram.typing(name: signal.eventName, conversationId: signal.conversationId, data: payload).encode())
    }

    /// Whether the notifier accepts connections on its socket (for `/api/v1/health`). A real
    /// connect, at most once a second: health stays honest to the second without costing the
    /// notifier an accept per health request (the bench saw it burn 0.3 core on them).
    func notifierReachable() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds / 1_000_000
        if let probe = lastProbe.withLock({ $0 }), now - probe.at < 1000 { return probe.reachable }
        let reachable = UnixSocket.canConnect(to: notifierSocket)
        lastProbe.withLock { $0 = (now, reachable) }
        return reachable
    }
}
