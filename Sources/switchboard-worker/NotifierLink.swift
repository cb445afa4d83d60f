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
    /// The last probe, packed in one word so every health request reads it without a
    /// lock: when (monotonic ms, shifted left by one) and what it found (the low bit);
    /// 0 before the first probe. Two threads probing at once both connect and both
    /// store a correct answer, so a plain atomic is enough.
    private let lastProbe = Atomic<UInt64>(0)

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
        let probe = lastProbe.load(ordering: .relaxed)
        if probe != 0, now &- (probe >> 1) < 1000 { return probe & 1 == 1 }
        let reachable = UnixSocket.canConnect(to: notifierSocket)
        lastProbe.store(now << 1 | (reachable ? 1 : 0), ordering: .relaxed)
        return reachable
    }
}
