import Logging
import NIOCore
import SwitchboardCore
import SwitchboardMetrics

/// The fan-out. It tails the `events` outbox (on a wake-up datagram and on a fallback
/// timer) and writes each event to the streams allowed to see it. Resume: a subscriber
/// with a cursor is registered first, replayed from SQLite, then switched to live,
/// skipping every id it already got — so nothing is lost between replay and live and
/// nothing is sent twice. Confined to one event loop; outbox reads run off it (`reads`).
public final class Hub: @unchecked Sendable {
    public let loop: any EventLoop
    private let outbox: any OutboxReader
    private let reads: any BlockingReads
    /// Where connecting streams' credential checks run: threads of their own in production,
    /// so a flood of connects never queues in front of the outbox reads that feed every stream.
    private let checks: any BlockingReads
    private let config: Config
    private let logger: Logger
    private let allocator = ByteBufferAllocator()
    /// Rows per outbox read, for replay and tail alike.
    let batch: Int
    /// A stream that gets this many live frames while it is still replaying is closed; the
    /// client resumes from its last id (memory stays bounded by this, not by the backlog).
    let maxPending: Int

    /// The newest event id fanned out.
    private(set) var cursor: Int64 = 0
    private var agents: [ObjectIdentifier: Subscriber] = [:]
    private var customers: [String: [ObjectIdentifier: Subscriber]] = [:]
    /// Open streams per agent (an agent may have several consoles open).
    private var agentStreams: [String: Int] = [:]
    /// Told when an agent's first stream opens or last one closes, and (with
    /// `recordsCustomers`) the same for a conversation's customer.
    private let recorder: StreamRecorder?
    /// What `/metrics/notifier` tells: open streams, deliveries, evictions.
    let metrics: NotifierMetrics?
    private let recordsCustomers: Bool
    private var tailing = false
    private var tailAgain = false
    /// The revocations fanned out lately (event id and whose), so that a stream whose
    /// credentials were checked before one of them, but that starts after it went by, is
    /// checked again (`needsRecheck`). Bounded; `forgottenThrough` is the newest id dropped
    /// (or skipped unread while nobody listened).
    private var revocations: [(id: Int64, subject: Revoked)] = []
    private var forgottenThrough: Int64 = 0
    static let revocationsKept = 1024

    /// Whose streams a revocation ends.
    enum Revoked: Equatable {
        case agent(String)
        case customerSession(String)

        func ends(_ identity: Identity) -> Bool {
            switch (self, identity) {
            case (.agent(let revoked), .agent(let agentId)): revoked == agentId
            case (.customerSession(let revoked), .customer(_, let sessionId)): revoked == sessionId
            default: false
            }
        }
    }

    public init(loop: any EventLoop, outbox: any OutboxReader, reads: any BlockingReads, checks: (any BlockingReads)? = nil,
                config: Config, logger: Logger,
                batch: Int = 500, maxPending: Int = 5000, recorder: StreamRecorder? = nil, metrics: NotifierMetrics? = nil) {
        self.checks = checks ?? reads
        self.recorder = recorder
        self.metrics = metrics
        // Whether a shopper saw a reply matters only for e-mailing it.
        recordsCustomers = config.mailEnabled
        self.loop = loop
        self.outbox = outbox
        self.reads = reads
        self.config = config
        self.logger = logger
        self.batch = batch
        self.maxPending = maxPending
    }

    /// Reads where the outbox is now and starts the timers.
    public func start() throws {
        loop.assertInEventLoop()
        cursor = try outbox.latestEventId()
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(Int64(config.notifierPollMilliseconds)),
                                  delay: .milliseconds(Int64(config.notifierPollMilliseconds))) { [self] _ in tail() }
        loop.scheduleRepeatedTask(initialDelay: .seconds(Int64(config.heartbeatSeconds)),
                                  delay: .seconds(Int64(config.heartbeatSeconds))) { [self] _ in heartbeat() }
        loop.scheduleRepeatedTask(initialDelay: .seconds(5), delay: .seconds(3600)) { [self] _ in prune() }
    }

    // MARK: Subscribing

    /// Runs the credential check of a stream that is connecting, off the event loop.
    func authorize(_ credentials: StreamCredentials, by authorizer: any StreamAuthorizer,
                   completingOn loop: any EventLoop) -> EventLoopFuture<StreamGrant> {
        checks.run(completingOn: loop) { try authorizer.listener(credentials) }
    }

    func logFailedCheck(_ error: any Error) {
        logger.error("cannot check a stream's credentials", metadata: ["error": "\(error)"])
    }

    /// Registers a stream whose response head has been written. `resumeFrom` is the
    /// client's last seen event id, if any.
    func subscribe(_ channel: any Channel, identity: Identity, resumeFrom: Int64?) {
        loop.assertInEventLoop()
        let subscriber = Subscriber(channel: channel, identity: identity, lastSent: resumeFrom ?? cursor,
                                    replaying: resumeFrom != nil)
        add(subscriber)
        let retry = 2000 + Int.random(in: 0..<3000)
        subscriber.write(": connected\nretry: \(retry)\n\n")
        let lifetime = Double(config.sseMaxLifetimeSeconds) * Double.random(in: 0.9...1.1)
        subscriber.lifetime = loop.scheduleTask(in: .milliseconds(Int64(lifetime * 1000))) { [metrics] in
            metrics?.evicted(.lifetime)
            _ = subscriber.end()
        }
        if let resumeFrom { startReplay(subscriber, from: resumeFrom) }
    }

    /// Whether a grant may be stale: a revocation newer than its snapshot that would end its
    /// stream has gone by already (or may have: the hub skipped rows while nobody listened,
    /// or forgot them). Such a stream is checked again before it starts, instead of
    /// starting and missing the end its revocation brought every other stream.
    func needsRecheck(_ grant: StreamGrant) -> Bool {
        loop.assertInEventLoop()
        guard grant.asOfEventId < cursor else { return false }
        if grant.asOfEventId < forgottenThrough { return true }
        return revocations.contains { $0.id > grant.asOfEventId && $0.subject.ends(grant.identity) }
    }

    private func remember(_ revoked: Revoked, id: Int64) {
        revocations.append((id, revoked))
        if revocations.count > Self.revocationsKept {
            let dropped = revocations.count - Self.revocationsKept / 2
            forgottenThrough = revocations[dropped - 1].id
            revocations.removeFirst(dropped)
        }
    }

    func unsubscribe(_ channel: any Channel, identity: Identity) {
        loop.assertInEventLoop()
        let key = ObjectIdentifier(channel)
        switch identity {
        case .agent(let agentId):
            guard let removed = agents.removeValue(forKey: key) else { return }
            metrics?.streamClosed(.agent)
            removed.lifetime?.cancel()
            let left = (agentStreams[agentId] ?? 1) - 1
            agentStreams[agentId] = left > 0 ? left : nil
            if left <= 0 { recorder?.record(.agent(agentId), open: false) }
        case .customer(let conversationId, _):
            guard let removed = customers[conversationId]?.removeValue(forKey: key) else { return }
            metrics?.streamClosed(.customer)
            removed.lifetime?.cancel()
            if customers[conversationId]?.isEmpty == true {
                customers[conversationId] = nil
                if recordsCustomers { recorder?.record(.conversation(conversationId), open: false) }
            }
        }
    }

    /// Ends every stream cleanly (shutdown); completes when all are closed.
    public func endAll() -> EventLoopFuture<Void> {
        loop.assertInEventLoop()
        let all = Array(agents.values) + customers.values.flatMap(\.values)
        return EventLoopFuture.andAllComplete(all.map { $0.end() }, on: loop)
    }

    private func add(_ subscriber: Subscriber) {
        metrics?.streamOpened(Self.audience(subscriber.identity))
        switch subscriber.identity {
        case .agent(let agentId):
            agents[subscriber.id] = subscriber
            agentStreams[agentId, default: 0] += 1
            if agentStreams[agentId] == 1 { recorder?.record(.agent(agentId), open: true) }
        case .customer(let conversationId, _):
            let first = customers[conversationId] == nil
            customers[conversationId, default: [:]][subscriber.id] = subscriber
            if first && recordsCustomers { recorder?.record(.conversation(conversationId), open: true) }
        }
    }

    /// Checks the cursor (too old or from another database → `reset`), then replays.
    private func startReplay(_ subscriber: Subscriber, from cursor: Int64) {
        let outbox = self.outbox
        reads.run(completingOn: loop) { () -> (Int64, Int64) in
            (try outbox.oldestEventId(), try outbox.latestEventId())
        }.whenComplete { [self] result in
            switch result {
            case .success(let (oldest, latest)):
                if cursor > latest || (oldest > 0 && cursor < oldest - 1) {
                    subscriber.write("event: reset\ndata: \(NotifierJSON.reset(lastEventId: latest))\n\n")
                    subscriber.lastSent = latest
                }
                replay(subscriber)
            case .failure(let error):
                logger.error("replay failed", metadata: ["error": "\(error)"])
                subscriber.channel.close(promise: nil)
            }
        }
    }

    private func replay(_ subscriber: Subscriber) {
        guard subscriber.channel.isActive else { return }
        let outbox = self.outbox, batch = self.batch
        let after = subscriber.lastSent
        let conversationId = subscriber.identity.conversationId
        reads.run(completingOn: loop) {
            try outbox.events(after: after, conversationId: conversationId, limit: batch)
        }.whenComplete { [self] result in
            guard case .success(let events) = result else {
                subscriber.channel.close(promise: nil)
                return
            }
            var flushed: EventLoopFuture<Void>?
            var replayed = 0
            for event in events where event.id > subscriber.lastSent {
                let frame = Hub.frame(event)
                if frame.reaches(subscriber.identity) {
                    flushed = subscriber.write(frame.text)
                    replayed += 1
                }
                subscriber.lastSent = event.id
            }
            if replayed > 0 { metrics?.delivered(Self.audience(subscriber.identity), count: replayed) }
            if events.count == batch {
                // More to replay: continue once this batch has left, so memory stays bounded.
                (flushed ?? loop.makeSucceededVoidFuture()).whenComplete { [self] _ in replay(subscriber) }
                return
            }
            var caughtUp = 0
            for frame in subscriber.pending where frame.id.map({ $0 > subscriber.lastSent }) ?? true && frame.reaches(subscriber.identity) {
                subscriber.write(frame.text)
                caughtUp += 1
                if let id = frame.id { subscriber.lastSent = id }
            }
            if caughtUp > 0 { metrics?.delivered(Self.audience(subscriber.identity), count: caughtUp) }
            subscriber.pending = []
            subscriber.replaying = false
        }
    }

    // MARK: Fan-out

    /// Reads new outbox rows and fans them out. Coalesces: one read at a time.
    func tail() {
        loop.assertInEventLoop()
        if tailing {
            tailAgain = true
            return
        }
        tailing = true
        tailAgain = false
        let outbox = self.outbox, batch = self.batch
        let after = cursor
        guard hasSubscribers else {
            // Nobody listens: move the cursor without reading the rows.
            reads.run(completingOn: loop) { try outbox.latestEventId() }.whenComplete { [self] result in
                tailing = false
                if case .success(let latest) = result, !hasSubscribers {
                    // Rows skipped unread: any revocation among them is unknown (`needsRecheck`).
                    forgottenThrough = max(forgottenThrough, latest)
                    cursor = max(cursor, latest)
                }
                if tailAgain || hasSubscribers { tail() }
            }
            return
        }
        reads.run(completingOn: loop) {
            try outbox.events(after: after, conversationId: nil, limit: batch)
        }.whenComplete { [self] result in
            tailing = false
            switch result {
            case .success(let events):
                var touched: [Subscriber] = []
                for event in events {
                    cursor = max(cursor, event.id)
                    deliver(Hub.frame(event), into: &touched)
                    if event.name == EventName.agentSessionRevoked.rawValue {
                        flush(&touched)
                        endStreams(of: event)
                    } else if event.name == EventName.customerSessionRevoked.rawValue {
                        flush(&touched)
                        endCustomerStreams(of: event)
                    }
                }
                flush(&touched)
                if events.count == batch || tailAgain { tail() }
            case .failure(let error):
                logger.error("reading the outbox failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private var hasSubscribers: Bool { !agents.isEmpty || !customers.isEmpty }

    /// One flush per stream that got frames since the last one.
    private func flush(_ touched: inout [Subscriber]) {
        for subscriber in touched { subscriber.flushIfNeeded() }
        touched.removeAll(keepingCapacity: true)
    }

    /// Revocation reaches open streams: after delivering `agent.session_revoked` (live, not
    /// replayed), that agent's streams end (what is queued, then the close); the console reconnects and
    /// the revoked token gets its 401 from the credential check.
    private func endStreams(of event: StoredEvent) {
        guard let revoked = try? WireJSON.decode(EventPayload.AgentSessionRevoked.self, from: event.data) else { return }
        remember(.agent(revoked.agentId), id: event.id)
        for subscriber in agents.values where subscriber.identity == .agent(agentId: revoked.agentId) {
            metrics?.evicted(.revoked)
            _ = subscriber.end()
        }
    }

    /// A customer's sign-in ended (logout, erasure): the streams opened with it get the
    /// event, then end; the credential check refuses the session when they reconnect.
    /// Other devices of the same customer (other sessions) are left alone.
    private func endCustomerStreams(of event: StoredEvent) {
        guard let revoked = try? WireJSON.decode(EventPayload.CustomerSessionRevoked.self, from: event.data) else { return }
        remember(.customerSession(revoked.sessionId), id: event.id)
        let encoded = allocator.buffer(string: Hub.frame(event).text)
        for group in customers.values {
            for subscriber in group.values where subscriber.identity.sessionId == revoked.sessionId {
                if !subscriber.replaying { subscriber.write(encoded) }
                metrics?.evicted(.revoked)
                _ = subscriber.end()
            }
        }
    }

    /// A datagram from the worker: a wake-up reads the outbox; typing is fanned out as is.
    func receive(_ datagram: NotifierDatagram) {
        switch datagram {
        case .wake: tail()
        case .typing(let name, let conversationId, let data): ephemeral(name: name, conversationId: conversationId, data: data)
        }
    }

    /// An ephemeral event from a datagram (typing): no id, never stored.
    func ephemeral(name: EventName, conversationId: String, data: String) {
        loop.assertInEventLoop()
        // A customer hears the agent typing; agents hear both sides.
        var touched: [Subscriber] = []
        deliver(.ephemeral(name: name.rawValue, conversationId: conversationId, forCustomer: name == .agentTyping, data: data),
                into: &touched)
        flush(&touched)
    }

    /// Queues `frame` on every stream allowed to see it; the caller flushes `touched`.
    private func deliver(_ frame: Frame, into touched: inout [Subscriber]) {
        // Encoded once; every subscriber's write shares the same bytes.
        let encoded = allocator.buffer(string: frame.text)
        // Counted here and added once per frame, not per stream (10,000 streams, one add).
        var toAgents = 0, toCustomers = 0
        if frame.forAgents {
            for subscriber in agents.values where frame.reaches(subscriber.identity) {
                if send(frame, encoded, to: subscriber, &touched) { toAgents += 1 }
            }
        }
        if frame.forEveryCustomer {
            for group in customers.values {
                for subscriber in group.values where send(frame, encoded, to: subscriber, &touched) { toCustomers += 1 }
            }
        } else if frame.forCustomer, let conversationId = frame.conversationId, let group = customers[conversationId] {
            for subscriber in group.values where send(frame, encoded, to: subscriber, &touched) { toCustomers += 1 }
        }
        if toAgents > 0 { metrics?.delivered(.agent, count: toAgents) }
        if toCustomers > 0 { metrics?.delivered(.customer, count: toCustomers) }
    }

    static func audience(_ identity: Identity) -> NotifierMetrics.Audience {
        if case .agent = identity { return .agent }
        return .customer
    }

    /// True when the frame was written to this stream now (not held for a replay, not a
    /// duplicate, not dropped).
    @discardableResult
    private func send(_ frame: Frame, _ encoded: ByteBuffer, to subscriber: Subscriber, _ touched: inout [Subscriber]) -> Bool {
        if subscriber.replaying {
            subscriber.pending.append(frame)
            if subscriber.pending.count > maxPending {
                metrics?.evicted(.slow)
                subscriber.channel.close(promise: nil)
            }
            return false
        }
        if let id = frame.id {
            guard id > subscriber.lastSent else { return false }
            subscriber.lastSent = id
        }
        guard subscriber.channel.isWritable else {
            // Too slow to keep up: drop the connection rather than buffer without bound;
            // the client reconnects with Last-Event-ID and replays what it missed.
            metrics?.evicted(.slow)
            subscriber.channel.close(promise: nil)
            return false
        }
        if !subscriber.needsFlush { touched.append(subscriber) }
        subscriber.enqueue(encoded)
        return true
    }

    private func heartbeat() {
        let beat = allocator.buffer(string: ": heartbeat\n\n")
        for subscriber in agents.values { subscriber.write(beat) }
        for group in customers.values { for subscriber in group.values { subscriber.write(beat) } }
    }

    private func prune() {
        let outbox = self.outbox
        let horizon = Timestamp.now().adding(seconds: -Int64(config.eventRetentionSeconds))
        reads.run(completingOn: loop) { try outbox.pruneEvents(olderThan: horizon) }.whenComplete { [logger] result in
            if case .success(let count) = result, count > 0 { logger.info("pruned events", metadata: ["count": "\(count)"]) }
        }
    }

    static func frame(_ event: StoredEvent) -> Frame {
        .persisted(id: event.id, name: event.name, conversationId: event.conversationId,
                   forCustomer: event.audience == .conversation, data: event.data)
    }
}
