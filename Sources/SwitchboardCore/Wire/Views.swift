/// Conversation, customer view (API.md "Conversation"). The session id is the caller's own
/// credential, echoed back.
public struct CustomerConversation: Codable, Equatable, Sendable {
    public var id: String
    public var customerSessionId: String
    public var status: ConversationStatus
    public var assignedAgentId: String?
    public var assignedAgentName: String?
    public var assignedAgentPresence: Presence?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var canRate: Bool
    public var rating: Rating?

    public init(_ c: Conversation, sessionId: String) {
        id = c.id
        customerSessionId = sessionId
        status = c.status
        assignedAgentId = c.assignedAgentId
        assignedAgentName = c.assignedAgentName
        assignedAgentPresence = c.assignedAgentPresence
        createdAt = c.createdAt
        updatedAt = c.updatedAt
        canRate = c.canRate
        rating = c.rating
    }

    enum CodingKeys: String, CodingKey {
        case id, customerSessionId = "customer_session_id", status, assignedAgentId = "assigned_agent_id"
        case assignedAgentName = "assigned_agent_name", assignedAgentPresence = "assigned_agent_presence"
        case createdAt = "created_at", updatedAt = "updated_at", canRate = "can_rate", rating
    }
}

/// AgentConversation (API.md): the conversation's summary members, then the newest
/// message and who the customer is. Never contains the customer's session id.
public struct AgentConversation: Codable, Equatable, Sendable {
    public var conversation: Conversation
    public var lastMessage: Message?
    public var customer: CustomerContact
    /// Who the conversation is with (API.md "Known customers"); `customer` stays for old clients.
    public var contact: ContactSummary?

    public init(_ c: Conversation, lastMessage: Message?) {
        conversation = c
        self.lastMessage = lastMessage
        customer = CustomerContact(displayName: c.customerDisplayName, email: c.customerEmail, source: c.contactSource)
        contact = c.contact
    }

    public var id: String { conversation.id }

    /// The viewer's customer messages not read yet (lists: the caller's; events: all of them).
    public var unreadCount: Int { conversation.unreadCount ?? 0 }
    /// An agent should answer: escalated, open, and the customer wrote last.
    public var awaitingReply: Bool { conversation.status == .agent && conversation.awaitingSince != nil }
    /// Since the first customer message after the last agent message, while awaiting a reply.
    public var waitingSince: Timestamp? { awaitingReply ? conversation.awaitingSince : nil }

    enum CodingKeys: String, CodingKey {
        case lastMessage = "last_message", customer, contact
        case unreadCount = "unread_count", awaitingReply = "awaiting_reply", waitingSince = "waiting_since", labels, rating
    }

    /// The summary's members first, in the same object.
    public func encode(to encoder: any Encoder) throws {
        try conversation.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(lastMessage, forKey: .lastMessage)
        try container.encode(customer, forKey: .customer)
        try container.encode(contact, forKey: .contact)
        try container.encode(unreadCount, forKey: .unreadCount)
        try container.encode(awaitingReply, forKey: .awaitingReply)
        try container.encode(waitingSince, forKey: .waitingSince)
        try container.encode(conversation.labels, forKey: .labels)
        try container.encode(conversation.rating, forKey: .rating)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lastMessage = try container.decodeIfPresent(Message.self, forKey: .lastMessage)
        customer = try container.decode(CustomerContact.self, forKey: .customer)
        contact = try container.decodeIfPresent(ContactSummary.self, forKey: .contact)
        conversation = try Conversation(from: decoder)
        conversation.unreadCount = try container.decode(Int.self, forKey: .unreadCount)
        conversation.awaitingSince = try container.decode(Timestamp?.self, forKey: .waitingSince)
        conversation.labels = try container.decode([Label].self, forKey: .labels)
        conversation.rating = try container.decode(Rating?.self, forKey: .rating)
        conversation.customerDisplayName = customer.displayName
        conversation.customerEmail = customer.email
        conversation.contactSource = customer.source
        conversation.contact = contact
        conversation.contactId = contact?.id ?? ""
    }
}

/// Who the customer says they are.
public struct CustomerContact: Codable, Equatable, Sendable {
    public var displayName: String
    public var email: String?
    /// Which form the contact came from (`prechat`, `offline`, `start`); null when none was given.
    public var source: ContactSource?

    public init(displayName: String, email: String?, source: ContactSource? = nil) {
        self.displayName = displayName
        self.email = email
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name", email, source
    }
}

/// A FAQ as the widget offers it (API.md "QuickQuestion").
public struct QuickQuestion: Codable, Equatable, Sendable {
    public var slug: String
    public var question: String

    public init(_ faq: FAQ) {
        slug = faq.slug
        question = faq.question
    }
}

/// Every error answer: `{"detail": "...", "code": "..."}`.
public struct ErrorBody: Codable, Equatable, Sendable {
    public var detail: String
    public var code: String
    /// Only in the errors that have one (`invalid_identity`); absent, not null, elsewhere.
    public var reason: String?

    public init(detail: String, code: String, reason: String? = nil) {
        self.detail = detail
        self.code = code
        self.reason = reason
    }

    public init(_ error: AppError) { self.init(detail: error.detail, code: error.code, reason: error.reason) }

    enum CodingKeys: String, CodingKey { case detail, code, reason }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(detail, forKey: .detail)
        try c.encode(code, forKey: .code)
        if let reason { try c.encode(reason, forKey: .reason) }
    }
}
