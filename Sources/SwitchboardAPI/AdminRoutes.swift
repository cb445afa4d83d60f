import SwitchboardChat
import SwitchboardCore

/// `/api/v1/admin/...`: the shop's own desk: FAQs, settings, the team, the audit log.
/// Every route needs an admin's token (a non-admin agent gets 403); every change is audited.
struct AdminRoutes: Sendable {
    let service: ChatService
    let auth: Authenticator

    func register(_ router: inout Router) {
        let base = "/api/v1/admin"
        router.get("\(base)/faqs", faqs)
        router.post("\(base)/faqs", createFAQ)
        router.add("PATCH", "\(base)/faqs/:id", updateFAQ)
        router.add("DELETE", "\(base)/faqs/:id", deleteFAQ)
        router.get("\(base)/settings", settings)
        router.add("PATCH", "\(base)/settings", updateSettings)
        router.get("\(base)/audit", audit)
        router.add("PATCH", "\(base)/agents/:id", updateAgent)
        router.post("\(base)/agents/:id/password", resetPassword)
    }

    struct PasswordBody: Decodable {
        var password: String
    }

    private func admin(_ request: HTTPRequest) throws -> Agent {
        try auth.admin(request, detail: "Only an admin can change the desk's settings, FAQs and team.")
    }

    @Sendable func faqs(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try admin(request)
        return try .json(AdminAnswer.FAQs(items: try service.adminFAQs()))
    }

    @Sendable func createFAQ(_ request: HTTPRequest) throws -> HTTPResponse {
        let actor = try admin(request)
        let body = try Body.decode(FAQInput.self, from: request)
        return try .json(try service.createFAQ(body, by: actor.auditActor), status: 201)
    }

    @Sendable func updateFAQ(_ request: HTTPRequest) throws -> HTTPResponse {
        let actor = try admin(request)
        let patch = try Body.decode(FAQPatch.self, from: request)
        return try .json(try service.updateFAQ(id: request.parameter("id"), patch, by: actor.auditActor))
    }

    @Sendable func deleteFAQ(_ request: HTTPRequest) throws -> HTTPResponse {
        let actor = try admin(request)
        try service.deleteFAQ(id: request.parameter("id"), by: actor.auditActor)
        return .noContent
    }

    @Sendable func settings(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try admin(request)
        return try .json(try service.settings())
    }

    @Sendable func updateSettings(_ request: HTTPRequest) throws -> HTTPResponse {
        let actor = try admin(request)
        let patch = try Body.decode(SettingsPatch.self, from: request)
        return try .json(try service.updateSettings(patch, by: actor.auditActor))
    }

    @Sendable func audit(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try admin(request)
        let before = try Query.parse(request.query["before"], { Int64($0).flatMap { $0 > 0 ? $0 : nil } },
                                     "before: an audit entry id.", code: "invalid_before")
        let limit = try Validate.limit(request, default: Limits.listDefaultLimit, max: Limits.listMaxLimit)
        return try .json(AdminAnswer.Audit(items: try service.audit(limit: limit, beforeId: before)))
    }

    @Sendable func updateAgent(_ request: HTTPRequest) throws -> HTTPResponse {
        let actor = try admin(request)
        let patch = try Body.decode(AgentPatch.self, from: request)
        return try .json(try service.updateAgent(id: request.parameter("id"), patch, by: actor.auditActor))
    }

    @Sendable func resetPassword(_ request: HTTPRequest) throws -> HTTPResponse {
        let actor = try admin(request)
        let body = try Body.decode(PasswordBody.self, from: request)
        try service.resetPassword(agentId: request.parameter("id"), to: body.password, by: actor.auditActor)
        return .noContent
    }
}
