import SwitchboardCore
import SwitchboardStore

/// `/api/v1/customer/...`: the widget's routes. Conversation routes need the
/// `X-Customer-Session-Id` the conversation was started under.
struct CustomerRoutes: Sendable {
    let store: Store
    let realtime: any RealtimeSink

    func register(_ router: inout Router) {
        let base = "/api/v1/customer"
        router.get("\(base)/quick-questions", quickQuestions)
        router.post("\(base)/conversations/start", start)
        router.get("\(base)/conversations/:id", conversation)
        router.get("\(base)/conversations/:id/messages", messages)
        router.post("\(base)/conversations/:id/messages", send)
        router.post("\(base)/conversations/:id/quick-replies/:slug", quickReply)
        router.post("\(base)/conversations/:id/escalate", escalate)
        router.post("\(base)/conversations/:id/typing", typing)
    }

    struct StartBody: Decodable {
        var customerSessionId: String?
        var forceNew: Bool?
        var displayName: String?
        var email: String?
    }

    struct SendBody: Decodable {
        var content: String
        var clientMessageId: String?
    }

    struct QuickReplyBody: Decodable {
        var clientMessageId: String?
    }

    struct TypingBody: Decodable {
        var typing: Bool
    }

    @Sendable func quickQuestions(_ request: HTTPRequest) throws -> HTTPResponse {
        .json(.array(try store.faqs().map(Views.quickQuestion)))
    }

    @Sendable func start(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(StartBody.self, from: request, emptyAllowed: true)
        if let id = body.customerSessionId, !Validate.isSessionId(id) {
            throw AppError.badRequest("customer_session_id: 22–128 URL-safe characters (omit it to get a new one).",
                                      code: "invalid_session_id")
        }
        let name = try body.displayName.map(Validate.displayName)
        if let email = body.email, email.count > 254 || !email.contains("@") {
            throw AppError.badRequest("email: not an e-mail address.", code: "invalid_email")
        }
        let result = try store.start(sessionId: body.customerSessionId, forceNew: body.forceNew ?? false,
                                     displayName: name, email: body.email)
        return .json(.object([
            ("conversation", Views.conversation(result.conversation, sessionId: result.sessionId)),
            ("quick_questions", .array(try store.faqs().map(Views.quickQuestion))),
            ("messages", .array(result.messages.map(Views.message))),
            ("show_talk_to_agent", .bool(result.conversation.status == .automated)),
            ("resumed", .bool(result.resumed)),
            ("last_event_id", .int(result.lastEventId)),
        ]))
    }

    @Sendable func conversation(_ request: HTTPRequest) throws -> HTTPResponse {
        let session = try sessionId(request)
        let conversation = try store.conversation(request.parameter("id"), access: .customer(sessionId: session))
        return .json(Views.conversation(conversation, sessionId: session))
    }

    @Sendable func messages(_ request: HTTPRequest) throws -> HTTPResponse {
        let session = try sessionId(request)
        let page = try store.messages(request.parameter("id"), access: .customer(sessionId: session),
                                      after: request.query["after"], limit: try Validate.limit(request, default: 500, max: 1000))
        return .json(.object([
            ("conversation", Views.conversation(page.conversation, sessionId: session)),
            ("messages", .array(page.messages.map(Views.message))),
            ("last_event_id", .int(page.lastEventId)),
        ]))
    }

    @Sendable func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let session = try sessionId(request)
        let body = try Body.decode(SendBody.self, from: request)
        let result = try store.customerSend(request.parameter("id"), sessionId: session, content: try Validate.content(body.content),
                                            quickReply: nil, clientMessageId: try Validate.clientMessageId(body.clientMessageId))
        return try sendAnswer(result, session)
    }

    @Sendable func quickReply(_ request: HTTPRequest) throws -> HTTPResponse {
        let session = try sessionId(request)
        let body = try Body.decode(QuickReplyBody.self, from: request, emptyAllowed: true)
        let result = try store.customerSend(request.parameter("id"), sessionId: session, content: nil,
                                            quickReply: request.parameter("slug"),
                                            clientMessageId: try Validate.clientMessageId(body.clientMessageId))
        return try sendAnswer(result, session)
    }

    private func sendAnswer(_ result: CustomerSendResult, _ session: String) throws -> HTTPResponse {
        .json(.object([
            ("conversation", Views.conversation(result.conversation, sessionId: session)),
            ("customer_message", Views.message(result.customerMessage)),
            ("bot_message", result.botMessage.map(Views.message) ?? .null),
            ("quick_questions", .array(result.conversation.status == .automated ? try store.faqs().map(Views.quickQuestion) : [])),
            ("show_talk_to_agent", .bool(result.conversation.status == .automated)),
        ]))
    }

    @Sendable func escalate(_ request: HTTPRequest) throws -> HTTPResponse {
        let session = try sessionId(request)
        let (conversation, message) = try store.escalate(request.parameter("id"), sessionId: session)
        return .json(.object([
            ("conversation_id", .string(conversation.id)),
            ("status", .string(conversation.status.rawValue)),
            ("assigned_agent_id", .optional(conversation.assignedAgentId)),
            ("message", message.map(Views.message) ?? .null),
        ]))
    }

    @Sendable func typing(_ request: HTTPRequest) throws -> HTTPResponse {
        let session = try sessionId(request)
        let body = try Body.decode(TypingBody.self, from: request)
        let conversation = try store.conversation(request.parameter("id"), access: .customer(sessionId: session))
        guard conversation.status != .closed else { throw AppError.conversationClosed }
        realtime.typing(TypingSignal(conversationId: conversation.id, sender: .customer, agentId: nil, agentName: nil, typing: body.typing))
        return .noContent
    }

    private func sessionId(_ request: HTTPRequest) throws -> String {
        guard let id = request.header("x-customer-session-id"), !id.isEmpty else {
            throw AppError.unauthorized("Send the X-Customer-Session-Id header you got from start.", code: "missing_session")
        }
        return id
    }
}
