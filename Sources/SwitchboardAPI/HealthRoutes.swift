import SwitchboardChat
import SwitchboardCore

/// `GET /api/v1/health`: the database answers (and the notifier, when the host reports it).
/// 200 with `ok` or `degraded` while the database answers, 503 `unavailable` otherwise.
struct HealthRoutes: Sendable {
    let service: ChatService
    /// The notifier's state ("ok" or "unavailable"), or nil when the host has none.
    let notifier: @Sendable () -> String?

    func register(_ table: inout RouteTable) {
        table.public("GET", "/api/v1/health", health)
    }

    @Sendable func health(_ request: HTTPRequest) throws -> HTTPResponse {
        let lastEventId = try? service.latestEventId()
        let notifier = notifier()
        // A notifier reported as anything but "ok" degrades the service: REST still works,
        // realtime does not. Only a dead database makes it unavailable.
        let status = lastEventId == nil ? "unavailable" : notifier.map { $0 != "ok" } == true ? "degraded" : "ok"
        return try .json(HealthAnswer(status: status, database: lastEventId == nil ? "unavailable" : "ok",
                                      lastEventId: lastEventId, notifier: notifier),
                         status: lastEventId == nil ? 503 : 200)
    }
}
