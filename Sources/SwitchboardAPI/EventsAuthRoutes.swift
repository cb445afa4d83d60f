import SwitchboardChat
import SwitchboardCore

/// `GET /internal/events-auth`: nginx's `auth_request` for `/api/v1/events`. It answers
/// 204 with the verified identity in `X-Switchboard-*` headers (nginx copies them into
/// the proxied request, overwriting anything the client sent), or 401/403. Not under
/// `/api/`, so nginx never routes a client request here.
struct EventsAuthRoutes: Sendable {
    static let path = "/internal/events-auth"

    func register(_ table: inout RouteTable) {
        table.listener("GET", Self.path, authorize)
    }

    @Sendable func authorize(_ request: HTTPRequest, _ identity: Identity) throws -> HTTPResponse {
        HTTPResponse(status: 204, headers: identity.headers + [("Cache-Control", "no-store")])
    }
}
