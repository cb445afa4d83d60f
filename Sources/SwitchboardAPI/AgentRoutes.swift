import SwitchboardCore
import SwitchboardStore

/// `/api/v1/agent/...` (also answered under `/api/v1/officer/...`): the console's routes.
/// Everything but login needs `Authorization: Bearer <access_token>`.
struct AgentRoutes: Sendable {
    let store: Store
    let realtime: any RealtimeSink

    func register(_ router: inout Router) {
        for base in ["/api/v1/agent", "/api/v1/officer"] {
            router.post("\(base)/auth/login", login)
            router.post("\(base)/auth/logout", logout)
            router.post("\(base)/register", register)
            router.get("\(base)/me", me)
            router.post("\(base)/presence", presence)
            router.get("\(base)/conversations", conversations)
            router.get("\(base)/queue", queue)
            router.post("\(base)/conversations/:id/claim", claim)
            router.post("\(base)/conversations/:id/release", release)
            router.get("\(base)/conversations/:id/messages", messages)
            router.post("\(base)/conversations/:id/messages", send)
            router.post("\(base)/conversations/:id/close", close)
            router.post("\(base)/conversations/:id/typing", typing)
        }
    }

    struct LoginBody: Decodable {
        var username: String
        var password: String
    }

    struct RegisterBody: Decodable {
        var username: String
        var password: String
        var displayName: String
        var maxActiveChats: Int?
        var startOnline: Bool?
        var role: String?
    }

    struct PresenceBody: Decodable {
        var presence: String
    }

    struct SendBody: Decodable {
        var content: String
        var clientMessageId: String?
    }

    struct TypingBody: Decodable {
        var typing: Bool
    }

    @Sendable func login(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(LoginBody.self, from: request)
        guard body.password.count <= Limits.passwordMaxLength, body.username.count <= 64,
              let result = try store.login(username: body.username.lowercased(), password: body.password) else {
            throw AppError.unauthorized("Wrong username or password.", code: "invalid_credentials")
        }
        return .json(.object([
            ("access_token", .string(result.token)),
            ("token_type", "bearer"),
            ("expires_at", .time(result.expiresAt)),
            ("username", .string(result.agent.username)),
            ("agent", Views.agent(result.agent)),
        ]))
    }

    @Sendable func logout(_ request: HTTPRequest) throws -> HTTPResponse {
        let (_, token) = try authenticate(request)
        try store.revoke(token: token)
        return .noContent
    }

    @Sendable func register(_ request: HTTPRequest) throws -> HTTPResponse {
        let (caller, _) = try authenticate(request)
        guard caller.role == .admin else {
            throw AppError.forbidden("Only an admin can register agents.", code: "admin_required")
        }
        let body = try Body.decode(RegisterBody.self, from: request)
        var role = AgentRole.agent
        if let text = body.role {
            guard let parsed = AgentRole(rawValue: text) else {
                throw AppError.badRequest("role: agent or admin.", code: "invalid_role")
            }
            role = parsed
        }
        let capacity = body.maxActiveChats ?? 5
        guard Limits.maxActiveChatsRange.contains(capacity) else {
            throw AppError.badRequest("max_active_chats: a whole number from \(Limits.maxActiveChatsRange.lowerBound) to \(Limits.maxActiveChatsRange.upperBound).",
                                      code: "invalid_max_active_chats")
        }
        let agent = try store.createAgent(username: try Validate.username(body.username.lowercased()),
                                          password: try Validate.password(body.password),
                                          displayName: try Validate.displayName(body.displayName), role: role,
                                          maxActiveChats: capacity, startOnline: body.startOnline ?? false)
        return .json(Views.agent(agent), status: 201)
    }

    @Sendable func me(_ request: HTTPRequest) throws -> HTTPResponse {
        .json(Views.agent(try authenticate(request).0))
    }

    @Sendable func presence(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let body = try Body.decode(PresenceBody.self, from: request)
        guard let presence = Presence(rawValue: body.presence) else {
            throw AppError.badRequest("presence: online or offline.", code: "invalid_presence")
        }
        return .json(Views.agent(try store.setPresence(agentId: agent.id, presence)))
    }

    @Sendable func conversations(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        var status: ConversationStatus?
        if let text = request.query["status"], !text.isEmpty {
            guard let parsed = ConversationStatus(rawValue: text) else {
                throw AppError.badRequest("status: automated, agent or closed.", code: "invalid_status")
            }
            status = parsed
        }
        var assigned = AssignedFilter.any
        if let text = request.query["assigned"], !text.isEmpty {
            guard let parsed = AssignedFilter(rawValue: text) else {
                throw AppError.badRequest("assigned: me, none or any.", code: "invalid_assigned")
            }
            assigned = parsed
        }
        var before: Timestamp?
        if let text = request.query["before"], !text.isEmpty {
            guard let parsed = Timestamp(iso8601: text) else {
                throw AppError.badRequest("before: an ISO 8601 UTC time such as 2026-11-21T12:00:00.000Z.", code: "invalid_before")
            }
            before = parsed
        }
        let page = try store.agentConversations(for: agent, status: status, assigned: assigned,
                                                limit: try Validate.limit(request, default: Limits.listDefaultLimit, max: Limits.listMaxLimit),
                                                before: before)
        return list(page)
    }

    @Sendable func queue(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try authenticate(request)
        return list(try store.queue(limit: try Validate.limit(request, default: Limits.listMaxLimit, max: Limits.listMaxLimit)))
    }

    private func list(_ page: AgentConversationPage) -> HTTPResponse {
        .json(.object([
            ("items", .array(page.items.map { Views.agentConversation($0.0, lastMessage: $0.1) })),
            ("last_event_id", .int(page.lastEventId)),
        ]))
    }

    @Sendable func claim(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let conversation = try store.claim(request.parameter("id"), by: agent)
        return .json(.object([("conversation", try agentView(conversation))]))
    }

    @Sendable func release(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let conversation = try store.release(request.parameter("id"), by: agent)
        return .json(.object([("conversation", try agentView(conversation))]))
    }

    @Sendable func messages(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let page = try store.messages(request.parameter("id"), access: .agent(agent), after: request.query["after"],
                                      limit: try Validate.limit(request, default: 500, max: 1000))
        return .json(.object([
            ("conversation", try agentView(page.conversation)),
            ("messages", .array(page.messages.map(Views.message))),
            ("last_event_id", .int(page.lastEventId)),
        ]))
    }

    @Sendable func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let body = try Body.decode(SendBody.self, from: request)
        let (conversation, message) = try store.agentSend(request.parameter("id"), by: agent, content: try Validate.content(body.content),
                                                          clientMessageId: try Validate.clientMessageId(body.clientMessageId))
        return .json(.object([("conversation", try agentView(conversation)), ("message", Views.message(message))]))
    }

    @Sendable func close(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let (conversation, system) = try store.close(request.parameter("id"), by: agent)
        return .json(.object([
            ("conversation", try agentView(conversation)),
            ("system_message", system.map(Views.message) ?? .null),
        ]))
    }

    @Sendable func typing(_ request: HTTPRequest) throws -> HTTPResponse {
        let (agent, _) = try authenticate(request)
        let body = try Body.decode(TypingBody.self, from: request)
        let conversation = try store.conversation(request.parameter("id"), access: .agent(agent))
        guard conversation.status != .closed else { throw AppError.conversationClosed }
        if let holder = conversation.assignedAgentId, holder != agent.id {
            throw AppError.forbidden("This conversation is assigned to another agent.", code: "assigned_to_other")
        }
        realtime.typing(TypingSignal(conversationId: conversation.id, sender: .agent, agentId: agent.id,
                                     agentName: agent.displayName, typing: body.typing))
        return .noContent
    }

    private func agentView(_ conversation: Conversation) throws -> JSON {
        return Views.agentConversation(conversation, lastMessage: try store.lastMessage(conversation.id))
    }

    /// The agent behind the bearer token, and the token itself.
    func authenticate(_ request: HTTPRequest) throws -> (Agent, String) {
        guard let header = request.header("authorization"), !header.isEmpty else {
            throw AppError.unauthorized("Send Authorization: Bearer <access_token>.", code: "missing_token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AppError.unauthorized("Authorization must be Bearer <access_token>.", code: "invalid_token")
        }
        let token = String(parts[1]).trimmingSpaces
        guard let agent = try store.authenticate(token: token) else {
            throw AppError.unauthorized("The access token is invalid, expired or revoked; log in again.", code: "invalid_token")
        }
        return (agent, token)
    }
}
