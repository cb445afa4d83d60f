/// The bodies of the customer routes' answers (API.md "Customer routes"), one type each.
public enum CustomerAnswer {
    /// `POST /customer/conversations/start`.
    public struct Start: Codable, Equatable, Sendable {
        public var conversation: CustomerConversation
        public var quickQuestions: [QuickQuestion]
        public var messages: [Message]
        public var showTalkToAgent: Bool
        public var resumed: Bool
        public var lastEventId: Int64
        /// The signed-in customer's contact; null for an anonymous chat.
        public var contact: Contact?

        public init(conversation: CustomerConversation, quickQuestions: [QuickQuestion], messages: [Message],
                    showTalkToAgent: Bool, resumed: Bool, lastEventId: Int64, contact: Contact? = nil) {
            self.conversation = conversation
            self.quickQuestions = quickQuestions
            self.messages = messages
            self.showTalkToAgent = showTalkToAgent
            self.resumed = resumed
            self.lastEventId = lastEventId
            self.contact = contact
        }

        enum CodingKeys: String, CodingKey {
            case conversation, quickQuestions = "quick_questions", messages, showTalkToAgent = "show_talk_to_agent"
            case resumed, lastEventId = "last_event_id", contact
        }
    }

    /// `POST /customer/login`: what `start` answers (its `contact` is the signed-in
    /// customer's), then the device's new session id.
    public struct Login: Codable, Equatable, Sendable {
        public var start: Start
        public var customerSessionId: String

        public init(_ start: Start, customerSessionId: String) {
            self.start = start
            self.customerSessionId = customerSessionId
        }

        enum CodingKeys: String, CodingKey { case customerSessionId = "customer_session_id" }

        public init(from decoder: any Decoder) throws {
            start = try Start(from: decoder)
            customerSessionId = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .customerSessionId)
        }

        public func encode(to encoder: any Encoder) throws {
            try start.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(customerSessionId, forKey: .customerSessionId)
        }
    }

    /// `GET /customer/conversations/{id}/messages`.
    public typealias Messages = MessagesAnswer<CustomerConversation>

    /// `POST .../messages` and `POST .../quick-replies/{slug}`.
    public struct Sent: Codable, Equatable, Sendable {
        public var conversation: CustomerConversation
        public var customerMessage: Message
        public var botMessage: Message?
        public var quickQuestions: [QuickQuestion]
        public var showTalkToAgent: Bool

        public init(conversation: CustomerConversation, customerMessage: Message, botMessage: Message?,
                    quickQuestions: [QuickQuestion], showTalkToAgent: Bool) {
            self.conversation = conversation
            self.customerMessage = customerMessage
            self.botMessage = botMessage
            self.quickQuestions = quickQuestions
            self.showTalkToAgent = showTalkToAgent
        }

        enum CodingKeys: String, CodingKey {
            case conversation, customerMessage = "customer_message", botMessage = "bot_message"
            case quickQuestions = "quick_questions", showTalkToAgent = "show_talk_to_agent"
        }
    }

    /// `POST .../escalate`: `message` is the system message, null on an idempotent repeat.
    public struct Escalated: Codable, Equatable, Sendable {
        public var conversationId: String
        public var status: ConversationStatus
        public var assignedAgentId: String?
        public var message: Message?
        /// Filed as an offline message (nobody was there); the shop answers by e-mail.
        public var offline: Bool
        /// Offline with no contact e-mail yet: the widget asks for one (`/contact`).
        public var needsContact: Bool

        public init(_ conversation: Conversation, message: Message?, offline: Bool, needsContact: Bool) {
            conversationId = conversation.id
            status = conversation.status
            assignedAgentId = conversation.assignedAgentId
            self.message = message
            self.offline = offline
            self.needsContact = needsContact
        }

        enum CodingKeys: String, CodingKey {
            case conversationId = "conversation_id", status, assignedAgentId = "assigned_agent_id", message, offline
            case needsContact = "needs_contact"
        }
    }

    /// `POST .../transcript` (202): `status` "queued" (sent now) or "on_close".
    public struct Transcript: Codable, Equatable, Sendable {
        public var status: String
        public var email: String

        public init(status: String, email: String) {
            self.status = status
            self.email = email
        }
    }
}

/// The bodies of the agent routes' answers (API.md "Agent routes"), one type each.
public enum AgentAnswer {
    /// `POST /agent/auth/login`.
    public struct Login: Codable, Equatable, Sendable {
        public var accessToken: String
        public var tokenType: String
        public var expiresAt: Timestamp
        public var username: String
        public var agent: Agent

        public init(accessToken: String, expiresAt: Timestamp, agent: Agent) {
            self.accessToken = accessToken
            tokenType = "bearer"
            self.expiresAt = expiresAt
            username = agent.username
            self.agent = agent
        }

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", tokenType = "token_type", expiresAt = "expires_at", username, agent
        }
    }

    /// `GET /agent/conversations` and `GET /agent/queue`.
    public struct List: Codable, Equatable, Sendable {
        public var items: [AgentConversation]
        public var lastEventId: Int64

        public init(items: [AgentConversation], lastEventId: Int64) {
            self.items = items
            self.lastEventId = lastEventId
        }

        enum CodingKeys: String, CodingKey {
            case items, lastEventId = "last_event_id"
        }
    }

    /// `GET /agent/queue`: a page of the queue and how many wait in all.
    public struct Queue: Codable, Equatable, Sendable {
        public var items: [AgentConversation]
        public var total: Int
        public var lastEventId: Int64

        public init(items: [AgentConversation], total: Int, lastEventId: Int64) {
            self.items = items
            self.total = total
            self.lastEventId = lastEventId
        }

        enum CodingKeys: String, CodingKey {
            case items, total, lastEventId = "last_event_id"
        }
    }

    /// `POST .../claim` and `POST .../release`.
    public struct Changed: Codable, Equatable, Sendable {
        public var conversation: AgentConversation
        public init(conversation: AgentConversation) { self.conversation = conversation }
    }

    /// `GET /agent/conversations/{id}/messages`.
    public typealias Messages = MessagesAnswer<AgentConversation>

    /// `POST /agent/conversations/{id}/messages`.
    public struct Sent: Codable, Equatable, Sendable {
        public var conversation: AgentConversation
        public var message: Message

        public init(conversation: AgentConversation, message: Message) {
            self.conversation = conversation
            self.message = message
        }
    }

    /// `POST /agent/conversations/{id}/close`.
    public struct Closed: Codable, Equatable, Sendable {
        public var conversation: AgentConversation
        public var systemMessage: Message?

        public init(conversation: AgentConversation, systemMessage: Message?) {
            self.conversation = conversation
            self.systemMessage = systemMessage
        }

        enum CodingKeys: String, CodingKey {
            case conversation, systemMessage = "system_message"
        }
    }
}

/// `GET /api/v1/health`. Members that were not checked (the event cursor of a database
/// that does not answer, a notifier the host does not report) are left out.
public struct HealthAnswer: Codable, Equatable, Sendable {
    public var status: String
    public var database: String
    public var lastEventId: Int64?
    public var notifier: String?

    public init(status: String, database: String, lastEventId: Int64?, notifier: String?) {
        self.status = status
        self.database = database
        self.lastEventId = lastEventId
        self.notifier = notifier
    }

    enum CodingKeys: String, CodingKey {
        case status, database, lastEventId = "last_event_id", notifier
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(database, forKey: .database)
        if let lastEventId { try container.encode(lastEventId, forKey: .lastEventId) }
        if let notifier { try container.encode(notifier, forKey: .notifier) }
    }
}

/// A messages page, oldest first, with the conversation as the caller sees it and the
/// event cursor of the same read.
public struct MessagesAnswer<View: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    public var conversation: View
    public var messages: [Message]
    public var lastEventId: Int64

    public init(conversation: View, messages: [Message], lastEventId: Int64) {
        self.conversation = conversation
        self.messages = messages
        self.lastEventId = lastEventId
    }

    enum CodingKeys: String, CodingKey {
        case conversation, messages, lastEventId = "last_event_id"
    }
}
