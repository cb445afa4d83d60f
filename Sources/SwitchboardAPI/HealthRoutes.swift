import SwitchboardCore
import SwitchboardStore

/// `GET /api/v1/health`: the database answers (and whatever the host adds, e.g. the notifier).
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
        if case .object(let more) = extra() {
            fields.append(contentsOf: more)
        }
        return .json(.object([("status", .string(healthy ? "ok" : "degraded"))] + fields), status: healthy ? 200 : 503)
    }
}
