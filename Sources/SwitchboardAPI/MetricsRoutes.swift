import SwitchboardChat
import SwitchboardCore
import SwitchboardMetrics

/// `GET /metrics/worker` (API.md "Metrics"): the worker's Prometheus text, for a monitoring
/// system on this host (loopback) or, with `SWITCHBOARD_METRICS_TOKEN`, for whoever sends it.
struct MetricsRoutes: Sendable {
    let service: ChatService
    let metrics: WorkerMetrics
    let token: String?

    func register(_ table: inout RouteTable) {
        table.monitor("GET", "/metrics/worker", token: token, scrape)
    }

    @Sendable func scrape(_ request: HTTPRequest) throws -> HTTPResponse {
        let queue = try service.queueSnapshot()
        let body = metrics.exposition(queueChats: queue.chats, oldestWaitSeconds: queue.oldestWaitSeconds,
                                      agentsOnline: queue.agentsOnline, webhooksDisabled: try service.disabledWebhookCount())
        return HTTPResponse(status: 200, headers: [("Content-Type", prometheusContentType), ("Cache-Control", "no-store")],
                            body: body)
    }
}
