import SwitchboardChat
import SwitchboardCore

/// Labels (API.md "Labels"): admins keep the set; every agent lists them and labels conversations.
struct LabelRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        table.admin("GET", "/api/v1/admin/labels", list)
        table.admin("POST", "/api/v1/admin/labels", create)
        table.admin("PATCH", "/api/v1/admin/labels/:id", update)
        table.admin("DELETE", "/api/v1/admin/labels/:id", delete)
        table.agent("GET", "/api/v1/agent/labels", agentList)
        table.agent("PUT", "/api/v1/agent/conversations/:id/labels", label)
    }

    struct Items: Encodable {
        var items: [Label]
    }

    struct LabelIds: Decodable {
        var labelIds: [String]
        enum CodingKeys: String, CodingKey { case labelIds = "label_ids" }
    }

    @Sendable func list(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(Items(items: try service.labels()))
    }

    @Sendable func agentList(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try .json(Items(items: try service.labels()))
    }

    @Sendable func create(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.createLabel(try Body.decode(LabelInput.self, from: request), by: caller.admin.auditActor), status: 201)
    }

    @Sendable func update(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let input = try Body.decode(LabelInput.self, from: request)
        return try .json(try service.updateLabel(id: request.parameter("id"), input, by: caller.admin.auditActor))
    }

    @Sendable func delete(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try service.deleteLabel(id: request.parameter("id"), by: caller.admin.auditActor)
        return .noContent
    }

    @Sendable func label(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let body = try Body.decode(LabelIds.self, from: request)
        return try .json(AgentAnswer.Changed(conversation: try service.setLabels(request.parameter("id"), labelIds: body.labelIds,
                                                                                 by: caller.agent)))
    }
}
