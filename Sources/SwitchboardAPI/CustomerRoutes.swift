import SwitchboardChat
import SwitchboardCore

/// `/api/v1/customer/...`: the widget's routes. Conversation routes need the
/// `X-Customer-Session-Id` the conversation was started under.
struct CustomerRoutes: Sendable {
    let service: ChatService
    let realtime: any RealtimeSink

    func register(_ table: inout RouteTable) {
        let base = "/api/v1/customer"
        table.public("GET", "\(base)/quick-questions", quickQuestions)
        table.public("GET", "\(base)/widget-config", widgetConfig)
        table.public("POST", "\(base)/conversations/start", start)
        table.public("POST", "\(base)/login", login)
        table.customerSession("POST", "\(base)/logout", logout)

        let conversation = "\(base)/conversations/:id"
        table.customer("GET", conversation, self.conversation)
        table.customer("GET", "\(conversation)/messages", messages)
        table.customer("POST", "\(conversation)/messages", send)
        table.customer("POST", "\(conversation)/quick-replies/:slug", quickReply)
        table.customer("POST", "\(conversation)/escalate", escalate)
        table.customer("POST", "\(conversation)/contact", contact)
        table.customer("POST", "\(conversation)/transcript", transcript)
        table.customer("POST", "\(conversation)/typing", typing)
        table.customer("POST", "\(conversation)/rating", rate)
    }

    struct StartBody: Decodable {
        var customerSessionId: String?
        var forceNew: Bool?
        var displayName: String?
        var email: String?
        enum CodingKeys: String, CodingKey {
            case customerSessionId = "customer_session_id", forceNew = "force_new", displayName = "display_name", email
        }
    }

    struct QuickReplyBody: Decodable {
        var clientMessageId: String?
        enum CodingKeys: String, CodingKey { case clientMessageId = "client_message_id" }
    }

    @Sendable func quickQuestions(_ request: HTTPRequest) throws -> HTTPResponse {
        try .json(try quickQuestions())
    }

    /// Public and cacheable for a minute: a shopper's next load picks up an admin's change.
    @Sendable func widgetConfig(_ request: HTTPRequest) throws -> HTTPResponse {
        var response = try HTTPResponse.json(try service.widgetConfig())
        response.headers = response.headers.map { $0.0 == "Cache-Control" ? ("Cache-Control", "public, max-age=60") : $0 }
        return response
    }

    private func quickQuestions() throws -> [QuickQuestion] {
        try service.faqs().map(QuickQuestion.init)
    }

    @Sendable func start(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(StartBody.self, from: request, emptyAllowed: true)
        if let id = body.customerSessionId, !Validate.isSessionId(id) {
            throw AppError.badRequest("customer_session_id: \(Limits.sessionIdLength.lowerBound)–\(Limits.sessionIdLength.upperBound) URL-safe characters (omit it to get a new one).",
                                      code: "invalid_session_id")
        }
        let result = try service.start(sessionId: body.customerSessionId, forceNew: body.forceNew ?? false,
                                       displayName: try body.displayName.map(Validate.displayName),
                                       email: try body.email.map { try Validate.email($0) })
        return try .json(startAnswer(result))
    }

    private func startAnswer(_ result: StartResult) throws -> CustomerAnswer.Start {
        CustomerAnswer.Start(
            conversation: CustomerConversation(result.conversation, sessionId: result.sessionId),
            quickQuestions: try quickQuestions(), messages: result.messages,
            showTalkToAgent: result.conversation.status == .automated, resumed: result.resumed,
            lastEventId: result.lastEventId, contact: result.contact)
    }

    struct LoginBody: Decodable {
        var identityToken: String?
        var customerId: String?
        var officerId: String?
        enum CodingKeys: String, CodingKey {
            case identityToken = "identity_token", customerId = "customer_id", officerId = "officer_id"
        }
    }

    /// `POST /login {identity_token}` or `{customer_id}` (each with `officer_id?`): a known
    /// customer's conversation on this device; the anonymous session in the header (if any)
    /// is carried over. The token is never logged (bodies are not).
    @Sendable func login(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(LoginBody.self, from: request)
        let credential: CustomerCredential
        switch (body.identityToken, body.customerId) {
        case (let token?, nil): credential = .token(token)
        case (nil, let id?): credential = .bareId(id)
        default:
            throw AppError.badRequest("Send identity_token (a token your shop's server signed) or customer_id, not both.",
                                      code: "invalid_request")
        }
        let previous = request.header("x-customer-session-id").flatMap { Validate.isSessionId($0) ? $0 : nil }
        let result = try service.customerLogin(credential, officer: body.officerId.flatMap { $0.isEmpty ? nil : $0 },
                                               previousSessionId: previous)
        return try .json(CustomerAnswer.Login(try startAnswer(result), customerSessionId: result.sessionId))
    }

    /// `POST /logout`: this device's sign-in ends (its id is refused, its streams end).
    @Sendable func logout(_ request: HTTPRequest, _ caller: CustomerSessionCaller) throws -> HTTPResponse {
        try service.customerLogout(sessionId: caller.sessionId)
        return .noContent
    }

    @Sendable func conversation(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        try .json(CustomerConversation(caller.conversation, sessionId: caller.sessionId))
    }

    @Sendable func messages(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let page = try service.messages(caller.conversation.id, access: .customer(sessionId: session),
                                        after: request.query["after"], limit: try Validate.limit(request, default: Limits.messagesPageDefault, max: Limits.messagesPageMax))
        return try .json(CustomerAnswer.Messages(conversation: CustomerConversation(page.conversation, sessionId: session),
                                                 messages: page.messages, lastEventId: page.lastEventId))
    }

    @Sendable func send(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let body = try Body.decode(SendBody.self, from: request)
        let result = try service.customerSend(caller.conversation.id, sessionId: session, content: try body.checkedContent(),
                                              quickReply: nil, clientMessageId: try Validate.clientMessageId(body.clientMessageId),
                                              client: request.remoteAddress, attachmentIds: body.attachmentIds ?? [])
        return try sent(result, session)
    }

    @Sendable func quickReply(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let body = try Body.decode(QuickReplyBody.self, from: request, emptyAllowed: true)
        let result = try service.customerSend(caller.conversation.id, sessionId: session, content: nil,
                                              quickReply: request.parameter("slug"),
                                              clientMessageId: try Validate.clientMessageId(body.clientMessageId))
        return try sent(result, session)
    }

    private func sent(_ result: CustomerSendResult, _ session: String) throws -> HTTPResponse {
        let automated = result.conversation.status == .automated
        return try .json(CustomerAnswer.Sent(
            conversation: CustomerConversation(result.conversation, sessionId: session),
            customerMessage: result.customerMessage, botMessage: result.botMessage,
            quickQuestions: automated ? try quickQuestions() : [], showTalkToAgent: automated))
    }

    struct EscalateBody: Decodable {
        /// The shopper's words, stored before the escalation (the offline form's message).
        var message: String?
    }

    /// `POST .../escalate {message?}`: while nobody is there it files an offline message
    /// (409 `contact_required` without the customer's e-mail).
    @Sendable func escalate(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let body = try Body.decode(EscalateBody.self, from: request, emptyAllowed: true)
        let result = try service.escalate(caller.conversation.id, sessionId: session, message: try body.message.map(Validate.content),
                                          client: request.remoteAddress)
        return try .json(CustomerAnswer.Escalated(result.conversation, message: result.message, offline: result.offline,
                                                           needsContact: result.needsContact))
    }

    struct TranscriptBody: Decodable {
        var email: String?
    }

    /// `POST .../transcript {email?}`: 202, the transcript by e-mail now (closed) or when the chat closes.
    @Sendable func transcript(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let body = try Body.decode(TranscriptBody.self, from: request, emptyAllowed: true)
        let result = try service.requestTranscript(caller.conversation.id, sessionId: session, email: body.email)
        var response = try HTTPResponse.json(CustomerAnswer.Transcript(status: result.when.rawValue, email: result.email))
        response.status = 202
        return response
    }

    struct ContactBody: Decodable {
        var email: String
        var name: String?
        var source: String?
    }

    /// `POST .../contact {email, name?, source?}`: who to answer, from the pre-chat form
    /// (`source` "prechat", the default) or the offline form ("offline"); agents see both.
    @Sendable func contact(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let body = try Body.decode(ContactBody.self, from: request)
        let source = try Query.parse(body.source, { ["prechat", "offline"].contains($0) ? ContactSource(rawValue: $0) : nil },
                                     "source: prechat or offline.", code: "invalid_source") ?? .prechat
        let conversation = try service.setContact(caller.conversation.id, sessionId: session, email: try Validate.email(body.email),
                                                  name: try body.name.map(Validate.displayName), source: source)
        return try .json(CustomerConversation(conversation, sessionId: session))
    }

    @Sendable func typing(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let session = caller.sessionId
        let body = try Body.decode(TypingBody.self, from: request)
        let conversation = caller.conversation
        try service.checkTyping(in: conversation, access: .customer(sessionId: session))
        realtime.typing(TypingSignal(conversationId: conversation.id, sender: .customer, agentId: nil, agentName: nil, typing: body.typing))
        return .noContent
    }
}

extension CustomerRoutes {
    /// `{score, comment?}`: a score that is not a whole number 1–5 (a string, 3.5) is the
    /// rating's own 400, not a JSON-shape error.
    struct RatingBody: Decodable {
        var score: Int
        var comment: String?
        enum CodingKeys: String, CodingKey { case score, comment }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let number = try? c.decode(Double.self, forKey: .score), number.rounded() == number,
                  let whole = Int(exactly: number) else {
                throw AppError.badRequest("score: a whole number from 1 to 5.", code: "invalid_rating")
            }
            score = whole
            comment = try? c.decodeIfPresent(String.self, forKey: .comment)
            if comment == nil, c.contains(.comment), !(try c.decodeNil(forKey: .comment)) {
                throw AppError.badRequest("comment: text of at most 1000 characters.", code: "invalid_rating")
            }
        }
    }

    /// `POST .../rating {score, comment?}` → 201 `Rating`.
    @Sendable func rate(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        let body = try Body.decode(RatingBody.self, from: request)
        let rating = try service.rate(caller.conversation.id, sessionId: caller.sessionId, score: body.score, comment: body.comment)
        return try .json(rating, status: 201)
    }
}
