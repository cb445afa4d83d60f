import SwitchboardChat
import SwitchboardCore

/// The customer behind a conversation route: the session id they sent and the
/// conversation it owns (read when the route was resolved; the rules check ownership again
/// inside their own transaction).
public struct CustomerCaller: Sendable {
    public let sessionId: String
    public let conversation: Conversation
}

/// A signed-in customer: the session id `login` issued, still live.
public struct CustomerSessionCaller: Sendable {
    public let sessionId: String
}

/// The agent behind a bearer token, and the token (logout and password changes need it).
public struct AgentCaller: Sendable {
    public let agent: Agent
    public let token: String
}

/// An admin behind a bearer token.
public struct AdminCaller: Sendable {
    public let admin: Agent
}

/// Resolves each audience's caller from a request for the routes (`RouteTable`); the
/// credentials themselves are judged by the service, whose checks the notifier shares.
struct Authenticator: Sendable {
    let service: ChatService

    /// The agent behind the bearer token, and the token itself (the same check the notifier
    /// runs for streams: `ChatService.agent(authorization:)`).
    func agent(_ request: HTTPRequest) throws -> AgentCaller {
        let (agent, token) = try service.agent(authorization: request.header("authorization"))
        return AgentCaller(agent: agent, token: token)
    }

    /// An agent who is a person, not an API key (403 `person_required`).
    func person(_ request: HTTPRequest) throws -> AgentCaller {
        let caller = try agent(request)
        guard !caller.agent.integration else { throw AppError.personRequired }
        return caller
    }

    /// The admin behind the bearer token: 401 without a valid token, 403 `admin_required`
    /// for an agent.
    func admin(_ request: HTTPRequest) throws -> AdminCaller {
        let agent = try agent(request).agent
        guard agent.role == .admin else {
            throw AppError.forbidden("Only an admin can do this (the desk's team, settings and FAQs).", code: "admin_required")
        }
        return AdminCaller(admin: agent)
    }

    /// The customer's session id and the conversation `:id` it owns.
    func customer(_ request: HTTPRequest) throws -> CustomerCaller {
        let session = try sessionId(request)
        let conversation = try service.conversation(request.parameter("id"), access: .customer(sessionId: session))
        return CustomerCaller(sessionId: session, conversation: conversation)
    }

    /// A live sign-in's session id (`login`): 401 otherwise.
    func customerSession(_ request: HTTPRequest) throws -> CustomerSessionCaller {
        let session = try sessionId(request)
        try service.checkCustomerSession(session)
        return CustomerSessionCaller(sessionId: session)
    }

    /// The customer's session id (ownership is checked per conversation).
    private func sessionId(_ request: HTTPRequest) throws -> String {
        guard let id = request.header("x-customer-session-id"), !id.isEmpty else {
            throw AppError.unauthorized("Send the X-Customer-Session-Id header you got from start.", code: "missing_session")
        }
        return id
    }
}

/// `{content, client_message_id?}`: a message from either side.
struct SendBody: Decodable {
    var content: String?
    var clientMessageId: String?
    /// Uploads this message carries (API.md "Files and images").
    var attachmentIds: [String]?
    enum CodingKeys: String, CodingKey { case content, clientMessageId = "client_message_id", attachmentIds = "attachment_ids" }

    /// The words, checked: required unless the message carries files (then they may be empty).
    func checkedContent() throws -> String {
        let files = !(attachmentIds ?? []).isEmpty
        if files, (content ?? "").trimmingSpaces.isEmpty { return "" }
        // A body without `content` is the malformed body it always was (the replaced system's code).
        guard let content else { throw AppError.badRequest("content: required (or attachment_ids).", code: "invalid_json") }
        return try Validate.content(content)
    }
}

/// `{typing}`: a typing indicator from either side.
struct TypingBody: Decodable {
    var typing: Bool
}
