import SwitchboardChat
import SwitchboardCore

/// `GET /internal/events-auth`: nginx's `auth_request` for `/api/v1/events`. It answers
/// 204 with the verified identity in `X-Switchboard-*` headers (nginx copies them into
/// the proxied request, overwriting anything the client sent), or 401/403. Not under
/// `/api/`, so nginx never routes a client request here.
struct EventsAuthRoutes: Sendable {
    let service: ChatService
    let auth: Authenticator

    static let path = "/internal/events-auth"

    func register(_ router: inout Router) {
        router.get(Self.path, authorize)
    }

    @Sendable func authorize(_ request: HTTPRequest) throws -> HTTPResponse {
        if request.header("authorization") != nil {
            let (agent, _) = try auth.agent(request)
            return identity(.agent(agentId: agent.id))
        }
        guard let session = request.header("x-customer-session-id"), !session.isEmpty else {
            throw AppError.unauthorized("Send X-Customer-Session-Id (customers) or Authorization: Bearer (agents).",
                                        code: "missing_credentials")
        }
        // The original request's query (the subrequest has none of its own).
        let original = request.header("x-original-uri") ?? ""
        let query = original.split(separator: "?", maxSplits: 1).dropFirst().first.map { HTTPRequest.parseQuery(String($0)) } ?? [:]
        guard let conversationId = query["conversation_id"], !conversationId.isEmpty else {
            throw AppError.forbidden("Customers must name their conversation: ?conversation_id=<id>.", code: "missing_conversation")
        }
        do {
            _ = try service.conversation(conversationId, access: .customer(sessionId: session))
        } catch let error as AppError where error.status == 404 {
            // auth_request understands only 2xx, 401 and 403.
            throw AppError.forbidden(error.detail, code: error.code)
        }
        return identity(.customer(conversationId: conversationId))
    }

    private func identity(_ identity: Identity) -> HTTPResponse {
        HTTPResponse(status: 204, headers: identity.headers + [("Cache-Control", "no-store")])
    }
}
