import Prometheus

/// The Prometheus text format's content type (version 0.0.4).
public let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

/// One metric's name, unit and help, as `switchboard_<name>_<unit>`.
func named(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "switchboard", metricName: name, unitName: unit, helpText: help)
}

/// What the worker counts (API.md "Metrics"). Every label value is bounded: a route
/// template, a method, a status class, a fixed word; never an id or a user's text.
public final class WorkerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let batchSize: ValueHistogram
    private let commitTime: DurationHistogram
    private let queueChats: Gauge
    private let oldestWait: Gauge
    private let agentsOnline: Gauge
    private let webhooksDisabled: Gauge

    static let requestBuckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                             .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                             .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10)]
    static let commitBuckets: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                            .milliseconds(100), .milliseconds(250), .seconds(1)]

    public init() {
        batchSize = registry.makeValueHistogram(
            descriptor: named("group_commit_batch", "size", "Writes per durable commit."),
            buckets: [1, 2, 4, 8, 16, 32, 64])
        commitTime = registry.makeDurationHistogram(
            descriptor: named("group_commit_duration", "seconds", "One batch: BEGIN to COMMIT returned (its fsync)."),
            buckets: Self.commitBuckets)
        queueChats = registry.makeGauge(descriptor: named("queue", "chats", "Chats waiting in the queue."))
        oldestWait = registry.makeGauge(
            descriptor: named("queue_oldest_wait", "seconds", "How long the oldest chat in the queue has waited (0: none)."))
        agentsOnline = registry.makeGauge(descriptor: named("agents", "online", "Agents online."))
        webhooksDisabled = registry.makeGauge(
            descriptor: named("webhook_endpoints", "disabled", "Webhook endpoints disabled after failing for 24 hours."))
        for kind in StorageErrorKind.allCases { storageErrors(kind).increment(by: Int64(0)) }
        for result in EmailResult.allCases { emails(result).increment(by: Int64(0)) }
        for result in WebhookResult.allCases { webhookDeliveries(result).increment(by: Int64(0)) }
    }

    /// One route's counters (a status class each) and duration histogram, made once when the
    /// route table is built: counting a request is then two atomic adds, no lookup by name
    /// (which took a lock and built the labels' key on every request: the cheap reads lost
    /// ~10 % of their rate to it in the bench).
    public final class Route: Sendable {
        let counters: [Counter]
        let duration: DurationHistogram

        init(_ registry: PrometheusCollectorRegistry, template: String, method: String) {
            counters = (1...5).map { status in
                registry.makeCounter(descriptor: named("http_requests", "total", "Requests the worker answered."),
                                     labels: [("route", template), ("method", method), ("status", "\(status)xx")])
            }
            duration = registry.makeDurationHistogram(
                descriptor: named("http_request_duration", "seconds", "From the request's arrival in the worker to its answer."),
                labels: [("route", template), ("method", method)], buckets: WorkerMetrics.requestBuckets)
        }

        /// A request it answered with `status`, in `took`.
        public func answered(status: Int, took: Duration) {
            counters[min(max(status / 100, 1), 5) - 1].increment()
            duration.record(took)
        }
    }

    /// The handles of a route (its template as registered, or "unmatched").
    public func route(template: String, method: String) -> Route { Route(registry, template: template, method: method) }

    /// One group commit: how many writes, how long.
    public func committed(batch: Int, took: Duration) {
        batchSize.record(Double(batch))
        commitTime.record(took)
    }

    public enum StorageErrorKind: String, CaseIterable, Sendable { case busy, full, readonly, io, other }

    private func storageErrors(_ kind: StorageErrorKind) -> Counter {
        registry.makeCounter(descriptor: named("storage_errors", "total", "Writes refused with 503 storage_unavailable."),
                             labels: [("kind", kind.rawValue)])
    }

    public func storageError(_ kind: StorageErrorKind) { storageErrors(kind).increment() }

    public enum EmailResult: String, CaseIterable, Sendable { case sent, retry, failed }

    private func emails(_ result: EmailResult) -> Counter {
        registry.makeCounter(descriptor: named("emails", "total", "SMTP attempts of the e-mail outbox."),
                             labels: [("result", result.rawValue)])
    }

    public func email(_ result: EmailResult) { emails(result).increment() }

    public enum WebhookResult: String, CaseIterable, Sendable { case delivered, retry, failed }

    private func webhookDeliveries(_ result: WebhookResult) -> Counter {
        registry.makeCounter(descriptor: named("webhook_deliveries", "total", "Attempts of the webhook sender."),
                             labels: [("result", result.rawValue)])
    }

    public func webhookDelivery(_ result: WebhookResult) { webhookDeliveries(result).increment() }

    /// The text exposition, with the gauges read from the database just before.
    public func exposition(queueChats chats: Int, oldestWaitSeconds: Double, agentsOnline online: Int,
                           webhooksDisabled disabled: Int = 0) -> [UInt8] {
        webhooksDisabled.set(Double(disabled))
        queueChats.set(Double(chats))
        oldestWait.set(oldestWaitSeconds)
        agentsOnline.set(Double(online))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// What the notifier counts (API.md "Metrics"). Its handles are made once, like the
/// worker's routes: counting a frame is an atomic add, not a registry lookup by name.
public final class NotifierMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let streams: [Audience: Gauge]
    private let deliveries: [Audience: Counter]
    private let evictions: [Eviction: Counter]

    public enum Audience: String, CaseIterable, Sendable { case customer, agent }
    public enum Eviction: String, CaseIterable, Sendable { case revoked, lifetime, slow }

    public init() {
        let registry = registry
        streams = Dictionary(uniqueKeysWithValues: Audience.allCases.map { audience in
            (audience, registry.makeGauge(descriptor: named("streams", "open", "Event streams the notifier holds."),
                                          labels: [("audience", audience.rawValue)]))
        })
        deliveries = Dictionary(uniqueKeysWithValues: Audience.allCases.map { audience in
            (audience, registry.makeCounter(
                descriptor: named("events_delivered", "total", "Events written to streams, live and replayed."),
                labels: [("audience", audience.rawValue)]))
        })
        evictions = Dictionary(uniqueKeysWithValues: Eviction.allCases.map { reason in
            (reason, registry.makeCounter(descriptor: named("stream_evictions", "total", "Streams the notifier ended."),
                                          labels: [("reason", reason.rawValue)]))
        })
    }

    public func streamOpened(_ audience: Audience) { streams[audience]?.increment() }
    public func streamClosed(_ audience: Audience) { streams[audience]?.decrement() }
    public func delivered(_ audience: Audience, count: Int = 1) { deliveries[audience]?.increment(by: Int64(count)) }
    public func evicted(_ reason: Eviction) { evictions[reason]?.increment() }

    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
