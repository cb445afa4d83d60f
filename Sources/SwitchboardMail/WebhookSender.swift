import Dispatch
import Logging
import POSIXSupport
import SwitchboardChat
import SwitchboardCore
import Synchronization

/// Sends webhook deliveries from their outbox on threads of its own (never inside a
/// request): each thread leases one due delivery at a time, checks the endpoint's address
/// again (DNS can change since it was saved), posts it signed to exactly that address and
/// records the outcome. Leases make several worker processes safe side by side; a process
/// that dies mid-send leaves a lease that runs out, and the delivery goes again with the
/// same `webhook-id` (at least once). Old deliveries are pruned here too.
public final class WebhookSender: Sendable {
    private let service: ChatService
    private let poster: HTTPPoster
    private let logger: Logger
    /// Told of each attempt's outcome: "delivered", "retry" or "failed" (the worker's metrics).
    private let onOutcome: @Sendable (String) -> Void
    private let threads: Int
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Mutex(false)
    private let running = Mutex<[NativeThread]>([])
    private let lastPrune = Mutex<UInt64>(0)

    public init(service: ChatService, logger: Logger, threads: Int = 2, poster: HTTPPoster = HTTPPoster(),
                onOutcome: @escaping @Sendable (String) -> Void = { _ in }) {
        self.service = service
        self.poster = poster
        self.logger = logger
        self.threads = max(1, threads)
        self.onOutcome = onOutcome
    }

    public func start() throws {
        for _ in 0..<threads {
            let thread = try NativeThread.start { [self] in run() }
            running.withLock { $0.append(thread) }
        }
    }

    /// Finishes the attempts in progress (each at most the 10 s timeout) and returns.
    public func stop() {
        stopping.withLock { $0 = true }
        for _ in 0..<threads { wake.signal() }
        for thread in running.withLock({ $0 }) { thread.join() }
    }

    private func run() {
        while !stopping.withLock({ $0 }) {
            if !pass() { _ = wake.wait(timeout: .now() + .seconds(1)) }
        }
    }

    /// One delivery if one is due; whether there was one (then the next is tried at once).
    @discardableResult
    public func pass(now: Timestamp = .now()) -> Bool {
        prune()
        do {
            guard let send = try service.takeWebhookDeliveries(now: now, limit: 1).first else { return false }
            attempt(send)
            return true
        } catch {
            logger.error("webhook outbox failed: \(error)")
            return false
        }
    }

    /// Once an hour: deliveries past their 7 days go.
    private func prune() {
        let now = DispatchTime.now().uptimeNanoseconds
        let due = lastPrune.withLock { last -> Bool in
            // The other sender thread may have moved `last` past this thread's `now` (unsigned: no subtraction then).
            guard last == 0 || (now > last && now - last > 3_600_000_000_000) else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let pruned = try service.pruneWebhookDeliveries()
            if pruned > 0 { logger.info("webhook deliveries pruned", metadata: ["deliveries": "\(pruned)"]) }
        } catch {
            logger.error("pruning webhook deliveries failed: \(error)")
        }
    }

    private func attempt(_ send: WebhookSend) {
        let delivery = send.delivery
        let about: Logger.Metadata = ["webhook": "\(delivery.webhookId)", "delivery": "\(delivery.id)",
                                      "event_type": "\(delivery.eventType.rawValue)", "webhook_id": "\(delivery.messageId)"]
        let outcome = post(send)
        do {
            guard let state = try service.webhookAttempted(send, outcome) else {
                logger.warning("webhook attempt outcome not recorded: the delivery was taken over or its endpoint changed meanwhile",
                               metadata: about)
                return
            }
            let result = state == .delivered ? "delivered" : state == .failed ? "failed" : "retry"
            onOutcome(result)
            switch outcome {
            case .delivered(let status):
                logger.info("webhook delivered", metadata: about.merging(["status": "\(status)"]) { $1 })
            case .failed(let status, let error):
                logger.warning("webhook not delivered: \(error)",
                               metadata: about.merging(["status": "\(status.map(String.init) ?? "none")", "now": "\(result)"]) { $1 })
            }
        } catch {
            // Sent (perhaps) but not recorded: the lease runs out and it goes again, same webhook-id.
            logger.error("webhook attempt not recorded: \(error)", metadata: about)
        }
    }

    /// The `CURLOPT_RESOLVE` entry that sends the connection to the checked address:
    /// `host:port:address` (an IPv6 address in brackets). None for a host that is an IPv6
    /// literal: curl cannot parse such an entry, and a literal is never looked up anyway
    /// (nor is an IPv4 one, whatever its spelling: curl reads it as the resolver did).
    static func pin(_ target: WebhookTarget, _ address: [UInt8]) -> String? {
        guard !target.host.contains(":") else { return nil }
        let text = IPAddress.text(address)
        return "\(target.host):\(target.port):\(address.count == 16 ? "[\(text)]" : text)"
    }

    /// The attempt itself: the address checked again, then the signed POST to it.
    func post(_ send: WebhookSend) -> WebhookOutcome {
        let policy = service.policy.webhookAddresses
        let pin: String?
        do {
            let target = try WebhookTarget.parse(send.url, policy: policy)
            pin = Self.pin(target, try target.checkedAddress(policy, resolve: service.webhookResolver.resolve))
        } catch {
            return .failed(status: nil, error: error.detail)
        }
        let timestamp = Timestamp.now().milliseconds / 1000
        let delivery = send.delivery
        let headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "Switchboard-Webhooks/1"),
            ("webhook-id", delivery.messageId),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", WebhookSigner.signature(secrets: send.secrets, id: delivery.messageId, timestamp: timestamp,
                                                          body: delivery.body)),
        ]
        let result = poster.post(url: send.url, pin: pin, headers: headers, body: delivery.body)
        if let status = result.status, (200...299).contains(status) { return .delivered(status: status) }
        if let status = result.status, (300...399).contains(status) {
            return .failed(status: status, error: "HTTP \(status): redirects are not followed; give the final URL")
        }
        if let status = result.status { return .failed(status: status, error: result.error ?? "HTTP \(status)") }
        return .failed(status: nil, error: result.error ?? "no answer")
    }
}
