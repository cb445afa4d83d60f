import SwitchboardChat
import SwitchboardCore

/// `/api/v1/agent/...` (also answered under `/api/v1/officer/...`, see `RouteTable.aliases`):
/// the console's routes. Everything but login needs `Authorization: Bearer <access_token>`.
struct AgentRoutes: Sendable {
    let service: ChatService
    let realtime: any RealtimeSink

    func register(_ table: inout RouteTable) {
        let base = "/api/v1/agent"
        table.public("POST", "\(base)/auth/login", login)
        table.admin("POST", "\(base)/register", register)

        table.person("POST", "\(base)/auth/logout", logout)
        table.agent("GET", "\(base)/me", me)
        table.person("PATCH", "\(base)/me", updateMe)
        table.person("POST", "\(base)/me/password", changePassword)
        table.agent("GET", "\(base)/agents", team)
        table.person("POST", "\(base)/presence", presence)
        table.agent("GET", "\(base)/conversations", conversations)
        table.agent("GET", "\(base)/queue", queue)
        table.person("POST", "\(base)/conversations/:id/claim", claim)
        table.agent("POST", "\(base)/conversations/:id/release", release)
        table.agent("GET", "\(base)/conversations/:id/messages", messages)
        table.agent("POST", "\(base)/conversations/:id/messages", send)
        table.agent("POST", "\(base)/conversations/:id/close", close)
        table.agent("POST", "\(base)/conversations/:id/typing", typing)
        table.agent("POST", "\(base)/conversations/:id/read", markRead)
    }

    struct LoginBody: Decodable {
        var username: String
        var password: String
    }

    struct RegisterBody: Decodable {
        var username: String
        /// Optional only with `invite`: the agent chooses theirs through the link.
        var password: String?
        var displayName: String
        var maxActiveChats: Int?
        var startOnline: Bool?
        var role: String?
        var email: String?
        var invite: Bool?
        enum CodingKeys: String, CodingKey {
            case username, password, displayName = "display_name", maxActiveChats = "max_active_chats"
            case startOnline = "start_online", role, email, invite
        }
    }

    struct PresenceBody: Decodable {
        var presence: String
    }

    struct PasswordChangeBody: Decodable {
        var currentPassword: String
        var newPassword: String
        enum CodingKeys: String, CodingKey { case currentPassword = "current_password", newPassword = "new_password" }
    }

    @Sendable func login(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(LoginBody.self, from: request)
        // Over-long input is refused before any work, with the same answer as a wrong password.
        guard body.password.utf8.count <= Limits.passwordMaxBytes, body.username.utf8.count <= Limits.usernameLength.upperBound,
              let result = try service.login(username: body.username.lowercased(), password: body.password,
                                             client: request.remoteAddress) else {
            throw AppError.unauthorized("Wrong username or password.", code: "invalid_credentials")
        }
        return try .json(AgentAnswer.Login(accessToken: result.token, expiresAt: result.expiresAt, agent: result.agent))
    }

    struct LogoutBody: Decodable {
        var returnChats: Bool?
        enum CodingKeys: String, CodingKey { case returnChats = "return_chats" }
    }

    /// `POST /auth/logout {return_chats?}` (default true): the agent's open chats go back
    /// to the queue unless they say otherwise, so nobody is left talking to someone gone.
    @Sendable func logout(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let body = try Body.decode(LogoutBody.self, from: request, emptyAllowed: true)
        try service.logout(token: caller.token, of: caller.agent, returnChats: body.returnChats ?? true)
        return .noContent
    }

    @Sendable func register(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let body = try Body.decode(RegisterBody.self, from: request)
        var role = AgentRole.agent
        if let text = body.role {
            guard let parsed = AgentRole(rawValue: text) else { throw AppError.badRequest("role: agent or admin.", code: "invalid_role") }
            role = parsed
        }
        let capacity = try Validate.maxActiveChats(body.maxActiveChats ?? 5)
        let agent = try service.createAgent(username: try Validate.username(body.username.lowercased()),
                                            password: try body.password.map { try Validate.password($0) },
                                            displayName: try Validate.displayName(body.displayName), role: role,
                                            maxActiveChats: capacity, startOnline: body.startOnline ?? false,
                                            email: try body.email.map { try Validate.email($0) }, invite: body.invite ?? false,
                                            by: caller.admin.auditActor)
        return try .json(agent, status: 201)
    }

    /// The agent, with the limits the console checks before it sends anything.
    @Sendable func me(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try .json(AgentAnswer.Me(caller.agent, routing: service.routing, emailEnabled: service.policy.mailEnabled,
                                 attachments: try service.attachmentSettings()))
    }

    /// `PATCH /me {display_name?, email?, email_notifications?}`: the agent's own profile.
    @Sendable func updateMe(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        return try .json(try service.updateProfile(agent, try Body.decode(ProfilePatch.self, from: request)))
    }

    @Sendable func changePassword(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let body = try Body.decode(PasswordChangeBody.self, from: request)
        try service.changeOwnPassword(caller.agent, token: caller.token, current: body.currentPassword, new: body.newPassword)
        return .noContent
    }

    /// Every agent sees the team: who is on, and how loaded.
    @Sendable func team(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        return try .json(AdminAnswer.Team(items: try service.team()))
    }

    @Sendable func presence(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        let body = try Body.decode(PresenceBody.self, from: request)
        guard let presence = Presence(rawValue: body.presence) else {
            throw AppError.badRequest("presence: online or offline.", code: "invalid_presence")
        }
        return try .json(try service.setPresence(agentId: agent.id, presence))
    }

    @Sendable func conversations(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        let status = try Query.parse(request.query["status"], ConversationStatus.init(rawValue:),
                                     "status: automated, agent or closed.", code: "invalid_status")
        let assigned = try Query.parse(request.query["assigned"], { text -> ConversationQuery.Assignment? in
            switch text {
            case "me": .to(agentId: agent.id)
            case "none": .nobody
            case "any": .anyone
            default: nil
            }
        }, "assigned: me, none or any.", code: "invalid_assigned") ?? .anyone
        let before = try Query.parse(request.query["before"], Timestamp.init(iso8601:),
                                     "before: an ISO 8601 UTC time such as 2026-11-21T12:00:00.000Z.", code: "invalid_before")
        let limit = try Validate.limit(request, default: Limits.listDefaultLimit, max: Limits.listMaxLimit)
        var query = ConversationQuery(status: status, assigned: assigned, before: before, order: .recentActivity, limit: limit)
        query.viewer = agent.id
        query.unreadOnly = try Self.flag(request, "unread")
        query.awaitingReplyOnly = try Self.flag(request, "awaiting_reply")
        query.labelId = request.query["label"].flatMap { $0.isEmpty ? nil : $0 }
        return try list(service.conversations(query))
    }

    /// `?name=true|false` (absent: false).
    static func flag(_ request: HTTPRequest, _ name: String) throws -> Bool {
        try Query.parse(request.query[name], { ["true": true, "false": false][$0] }, "\(name): true or false.",
                        code: "invalid_\(name)") ?? false
    }

    @Sendable func queue(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let limit = try Validate.limit(request, default: Limits.listMaxLimit, max: Limits.listMaxLimit)
        let offset = try Query.parse(request.query["offset"], { Int($0).flatMap { $0 >= 0 ? $0 : nil } },
                                     "offset: a whole number from 0.", code: "invalid_offset") ?? 0
        var query = ConversationQuery.queue(limit: limit, offset: offset)
        query.viewer = caller.agent.id
        let page = try service.conversations(query, counted: true)
        return try .json(AgentAnswer.Queue(items: page.items, total: page.total ?? page.items.count, lastEventId: page.lastEventId))
    }

    private func list(_ page: AgentConversationPage) throws -> HTTPResponse {
        try .json(AgentAnswer.List(items: page.items, lastEventId: page.lastEventId))
    }

    struct ReadBody: Decodable {
        var upToMessageId: String?
        enum CodingKeys: String, CodingKey { case upToMessageId = "up_to_message_id" }
    }

    /// `POST /conversations/{id}/read {up_to_message_id?}`: the caller has read up to there
    /// (default: the newest message); their other tabs hear `conversation.read`.
    @Sendable func markRead(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let body = try Body.decode(ReadBody.self, from: request, emptyAllowed: true)
        try service.markRead(request.parameter("id"), by: caller.agent, upToMessageId: body.upToMessageId)
        return .noContent
    }

    @Sendable func claim(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        return try .json(AgentAnswer.Changed(conversation: try service.claim(request.parameter("id"), by: agent)))
    }

    @Sendable func release(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        return try .json(AgentAnswer.Changed(conversation: try service.release(request.parameter("id"), by: agent)))
    }

    @Sendable func messages(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        let page = try service.messages(request.parameter("id"), access: .agent(agent), after: request.query["after"],
                                        limit: try Validate.limit(request, default: Limits.messagesPageDefault, max: Limits.messagesPageMax))
        return try .json(AgentAnswer.Messages(conversation: AgentConversation(page.conversation, lastMessage: page.lastMessage),
                                              messages: page.messages, lastEventId: page.lastEventId))
    }

    @Sendable func send(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        let body = try Body.decode(SendBody.self, from: request)
        let (conversation, message) = try service.agentSend(request.parameter("id"), by: agent, content: try body.checkedContent(),
                                                            clientMessageId: try Validate.clientMessageId(body.clientMessageId),
                                                            attachmentIds: body.attachmentIds ?? [])
        return try .json(AgentAnswer.Sent(conversation: conversation, message: message))
    }

    @Sendable func close(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        let (conversation, system) = try service.close(request.parameter("id"), by: agent)
        return try .json(AgentAnswer.Closed(conversation: conversation, systemMessage: system))
    }

    @Sendable func typing(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let agent = caller.agent
        let body = try Body.decode(TypingBody.self, from: request)
        let conversation = try service.conversation(request.parameter("id"), access: .agent(agent))
        try service.checkTyping(in: conversation, access: .agent(agent))
        realtime.typing(TypingSignal(conversationId: conversation.id, sender: .agent, agentId: agent.id,
                                     agentName: agent.displayName, typing: body.typing))
        return .noContent
    }
}

/// Optional query and body values that must be one of a few spellings.
enum Query {
    /// nil when absent or empty; the parsed value; or a 400 with `detail` when it does not parse.
    static func parse<T>(_ text: String?, _ parse: (String) -> T?, _ detail: String, code: String) throws -> T? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = parse(text) else { throw AppError.badRequest(detail, code: code) }
        return value
    }
}
