import SwitchboardChat
import SwitchboardCore

/// Canned replies (API.md "Canned replies"): agent routes, so also under `/api/v1/officer/...`.
struct CannedReplyRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        let base = "/api/v1/agent/canned-replies"
        table.agent("GET", base, list)
        table.agent("POST", base, create)
        table.agent("PATCH", "\(base)/:id", update)
        table.agent("DELETE", "\(base)/:id", delete)
        table.agent("GET", "/api/v1/agent/conversations/:id/canned-replies/:reply_id/render", render)
    }

    struct Items: Encodable {
        var items: [CannedReply]
    }

    struct Rendered: Encodable {
        var content: String
    }

    @Sendable func list(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let query = request.query["q"]
        if let query, query.unicodeScalars.count > 200 {
            throw AppError.badRequest("q: at most 200 characters.", code: "invalid_query")
        }
        return try .json(Items(items: try service.cannedReplies(for: caller.agent, query: query)))
    }

    @Sendable func create(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try .json(try service.createCannedReply(try Body.decode(CannedReplyInput.self, from: request), by: caller.agent), status: 201)
    }

    @Sendable func update(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let patch = try Body.decode(CannedReplyPatch.self, from: request)
        return try .json(try service.updateCannedReply(id: request.parameter("id"), patch, by: caller.agent))
    }

    @Sendable func delete(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try service.deleteCannedReply(id: request.parameter("id"), by: caller.agent)
        return .noContent
    }

    @Sendable func render(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try .json(Rendered(content: try service.renderCannedReply(id: request.parameter("reply_id"),
                                                                  conversationId: request.parameter("id"), by: caller.agent)))
    }
}
