import SwitchboardChat
import SwitchboardCore

/// `/api/v1/admin/...`: the shop's own desk: FAQs, settings, the team, the audit log.
/// Every route needs an admin's token (a non-admin agent gets 403); every change is audited.
struct AdminRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        let base = "/api/v1/admin"
        table.admin("GET", "\(base)/faqs", faqs)
        table.admin("POST", "\(base)/faqs", createFAQ)
        table.admin("PATCH", "\(base)/faqs/:id", updateFAQ)
        table.admin("DELETE", "\(base)/faqs/:id", deleteFAQ)
        table.admin("GET", "\(base)/settings", settings)
        table.admin("PATCH", "\(base)/settings", updateSettings)
        table.admin("GET", "\(base)/audit", audit)
        table.admin("PATCH", "\(base)/agents/:id", updateAgent)
        table.admin("POST", "\(base)/agents/:id/password", resetPassword)
    }

    struct PasswordBody: Decodable {
        var password: String
    }

    @Sendable func faqs(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        return try .json(AdminAnswer.FAQs(items: try service.adminFAQs()))
    }

    @Sendable func createFAQ(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let actor = caller.admin
        let body = try Body.decode(FAQInput.self, from: request)
        return try .json(try service.createFAQ(body, by: actor.auditActor), status: 201)
    }

    @Sendable func updateFAQ(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let actor = caller.admin
        let patch = try Body.decode(FAQPatch.self, from: request)
        return try .json(try service.updateFAQ(id: request.parameter("id"), patch, by: actor.auditActor))
    }

    @Sendable func deleteFAQ(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let actor = caller.admin
        try service.deleteFAQ(id: request.parameter("id"), by: actor.auditActor)
        return .noContent
    }

    @Sendable func settings(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        return try .json(try service.settings())
    }

    @Sendable func updateSettings(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let actor = caller.admin
        let patch = try Body.decode(SettingsPatch.self, from: request)
        return try .json(try service.updateSettings(patch, by: actor.auditActor))
    }

    @Sendable func audit(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let before = try Query.parse(request.query["before"], { Int64($0).flatMap { $0 > 0 ? $0 : nil } },
                                     "before: an audit entry id.", code: "invalid_before")
        let limit = try Validate.limit(request, default: Limits.listDefaultLimit, max: Limits.listMaxLimit)
        return try .json(AdminAnswer.Audit(items: try service.audit(limit: limit, beforeId: before)))
    }

    @Sendable func updateAgent(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let actor = caller.admin
        let patch = try Body.decode(AgentPatch.self, from: request)
        return try .json(try service.updateAgent(id: request.parameter("id"), patch, by: actor.auditActor))
    }

    @Sendable func resetPassword(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let actor = caller.admin
        let body = try Body.decode(PasswordBody.self, from: request)
        try service.resetPassword(agentId: request.parameter("id"), to: body.password, by: actor.auditActor)
        return .noContent
    }
}
