import SwitchboardCore
import SwitchboardStore

/// `GET /api/v1/health`: the database answers (and whatever the host adds, e.g. the notifier).
/// 200 with `ok` or `degraded` while the database answers, 503 `unavailable` otherwise.
struct HealthRoutes: Sendable {
    let store: Store
    let extra: @Sendable () -> JSON

    func register(_ router: inout Router) {
        router.get("/api/v1/health", health)
    }

    @Sendable func health(_ request: HTTPRequest) throws -> HTTPResponse {
        var fields: [(String, JSON)] = []
        var healthy = true
        do {
            fields.append(("database", "ok"))
            fields.append(("last_event_id", .int(try store.ping())))
        } catch {
            healthy = false
            fields = [("database", "unavailable")]
        }
        var degraded = false
        if case .object(let more) = extra() {
            fields.append(contentsOf: more)
            // A component reported as anything but "ok" (the notifier, say) degrades the service:
            // REST still works, realtime does not. Only a dead database makes it unavailable.
            degraded = more.contains { $0.1 != .string("ok") }
        }
        let status = !healthy ? "unavailable" : degraded ? "degraded" : "ok"
        return .json(.object([("status", .string(status))] + fields), status: healthy ? 200 : 503)
    }
}
