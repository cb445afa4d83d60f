import SwitchboardChat
import SwitchboardCore

/// Integrations (API.md "Webhooks", "API keys"): admins register webhook endpoints and read
/// their delivery log, and make and revoke API keys; the shop's systems open conversations
/// for their customers.
struct IntegrationRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        let hooks = "/api/v1/admin/webhooks"
        table.admin("GET", hooks, webhooks)
        table.admin("POST", hooks, createWebhook)
        table.admin("GET", "\(hooks)/:id", webhook)
        table.admin("PATCH", "\(hooks)/:id", updateWebhook)
        table.admin("DELETE", "\(hooks)/:id", deleteWebhook)
        table.admin("POST", "\(hooks)/:id/rotate-secret", rotateSecret)
        table.admin("POST", "\(hooks)/:id/test", sendTest)
        table.admin("GET", "\(hooks)/:id/deliveries", deliveries)
        table.admin("POST", "\(hooks)/:id/deliveries/:delivery_id/redeliver", redeliver)

        table.admin("GET", "/api/v1/admin/api-keys", apiKeys)
        table.admin("POST", "/api/v1/admin/api-keys", createApiKey)
        table.admin("DELETE", "/api/v1/admin/api-keys/:id", revokeApiKey)

        table.agent("POST", "/api/v1/agent/conversations", openConversation)
    }

    struct Items<Item: Encodable>: Encodable {
        var items: [Item]
    }

    /// `{conversation, message, created}`.
    struct Opened: Encodable {
        var conversation: AgentConversation
        var message: Message?
        var created: Bool
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(conversation, forKey: .conversation)
            try c.encodeIfPresent(message, forKey: .message)
            try c.encode(created, forKey: .created)
        }
        enum CodingKeys: String, CodingKey { case conversation, message, created }
    }

    // MARK: Webhooks

    @Sendable func webhooks(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(Items(items: try service.webhooks()))
    }

    @Sendable func createWebhook(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.createWebhook(try Body.decode(WebhookInput.self, from: request), by: caller.admin.auditActor), status: 201)
    }

    @Sendable func webhook(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.webhook(id: request.parameter("id")))
    }

    @Sendable func updateWebhook(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let input = try Body.decode(WebhookInput.self, from: request)
        return try .json(try service.updateWebhook(id: request.parameter("id"), input, by: caller.admin.auditActor))
    }

    @Sendable func deleteWebhook(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try service.deleteWebhook(id: request.parameter("id"), by: caller.admin.auditActor)
        return .noContent
    }

    @Sendable func rotateSecret(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.rotateWebhookSecret(id: request.parameter("id"), by: caller.admin.auditActor))
    }

    @Sendable func sendTest(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(DeliveryView(try service.sendTestEvent(webhookId: request.parameter("id"))), status: 202)
    }

    @Sendable func deliveries(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let state = try Query.parse(request.query["status"], WebhookDelivery.State.init(rawValue:),
                                    "status: pending, delivered or failed.", code: "invalid_status")
        let before = try Query.parse(request.query["before"], { Int64($0).flatMap { $0 > 0 ? $0 : nil } },
                                     "before: a delivery id.", code: "invalid_cursor")
        let limit = try Validate.limit(request, default: Limits.listDefaultLimit, max: Limits.listMaxLimit)
        let page = try service.webhookDeliveries(DeliveryQuery(webhookId: request.parameter("id"), state: state, beforeId: before,
                                                               limit: limit))
        return try .json(Items(items: page.map(DeliveryView.init)))
    }

    @Sendable func redeliver(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let delivery = try service.redeliver(webhookId: request.parameter("id"), deliveryId: request.parameter("delivery_id"),
                                             by: caller.admin.auditActor)
        return try .json(DeliveryView(delivery), status: 202)
    }

    // MARK: API keys

    @Sendable func apiKeys(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(Items(items: try service.apiKeys()))
    }

    @Sendable func createApiKey(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.createApiKey(try Body.decode(ApiKeyInput.self, from: request), by: caller.admin.auditActor), status: 201)
    }

    @Sendable func revokeApiKey(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try service.revokeApiKey(id: request.parameter("id"), by: caller.admin.auditActor)
        return .noContent
    }

    @Sendable func openConversation(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let opened = try service.openConversation(try Body.decode(OpenConversationInput.self, from: request), by: caller.agent)
        return try .json(Opened(conversation: opened.conversation, message: opened.message, created: opened.created),
                         status: opened.created ? 201 : 200)
    }
}
