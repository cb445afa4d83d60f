/// A conversation as the store keeps it (without the customer's credential). On the wire
/// it is the summary both sides may see (the payload of `conversation.updated` and the
/// first members of an AgentConversation): the customer's name and e-mail are left out,
/// and are empty when one is decoded.
public struct Conversation: Codable, Equatable, Sendable {
    public var id: String
    public var status: ConversationStatus
    public var assignedAgentId: String?
    /// Display name of the assigned agent, joined in by the store for convenience.
    public var assignedAgentName: String?
    /// The assigned agent's presence, joined in like the name (the widget's header follows it).
    public var assignedAgentPresence: Presence? = nil
    public var hasAgentReplied: Bool
    public var requestedAgentAt: Timestamp?
    public var closedAt: Timestamp?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var customerDisplayName: String = ""
    public var customerEmail: String?
    /// Where the customer's contact came from; nil when they gave none.
    public var contactSource: ContactSource? = nil
    /// Filed as an offline message: the customer asked for a person while nobody was there.
    public var offline: Bool = false
    /// The customer asked for the transcript by e-mail when the conversation closes (never on the wire).
    public var transcriptRequested: Bool = false
    /// The contact it belongs to (never on the customer's wire).
    public var contactId: String = ""
    /// That contact, joined in by reads (agents see it as `AgentConversation.contact`).
    public var contact: ContactSummary? = nil
    /// Since when the customer waits for an answer: the first customer message after the
    /// last agent message (nil when an agent wrote last, or the customer has not written).
    public var awaitingSince: Timestamp? = nil
    /// The viewing agent's unread customer messages, where a read computed them (lists).
    public var unreadCount: Int? = nil
    /// The team's labels, where a read joined them (the agent views); never in the customer's.
    public var labels: [Label] = []
    /// The customer's rating of this closing, joined in by reads (API.md "Ratings").
    public var rating: Rating? = nil

    /// Closed, an agent wrote in it, and not rated for this closing yet: the widget may ask.
    public var canRate: Bool { status == .closed && hasAgentReplied && rating == nil }

    public init(id: String, status: ConversationStatus, assignedAgentId: String?, assignedAgentName: String?,
                hasAgentReplied: Bool, requestedAgentAt: Timestamp?, closedAt: Timestamp?, createdAt: Timestamp,
                updatedAt: Timestamp, customerDisplayName: String, customerEmail: String?,
                contactSource: ContactSource? = nil, offline: Bool = false, transcriptRequested: Bool = false,
                contactId: String = "", contact: ContactSummary? = nil) {
        self.id = id
        self.status = status
        self.assignedAgentId = assignedAgentId
        self.assignedAgentName = assignedAgentName
        self.hasAgentReplied = hasAgentReplied
        self.requestedAgentAt = requestedAgentAt
        self.closedAt = closedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.customerDisplayName = customerDisplayName
        self.customerEmail = customerEmail
        self.contactSource = contactSource
        self.offline = offline
        self.transcriptRequested = transcriptRequested
        self.contactId = contactId
        self.contact = contact
    }

    public var state: ConversationState { ConversationState(status: status, assignedAgentId: assignedAgentId) }

    enum CodingKeys: String, CodingKey {
        case id, status, assignedAgentId = "assigned_agent_id", assignedAgentName = "assigned_agent_name"
        case assignedAgentPresence = "assigned_agent_presence"
        case hasAgentReplied = "has_agent_replied", requestedAgentAt = "requested_agent_at", closedAt = "closed_at"
        case createdAt = "created_at", updatedAt = "updated_at", offline
    }
}

/// How a customer's contact reached the desk.
public enum ContactSource: String, Codable, Sendable {
    /// The pre-chat form (or a contact given at any time).
    case prechat
    /// The "Leave a message" form when nobody was there.
    case offline
    /// Given at `start`.
    case start
}

/// One message in a conversation; also its wire shape (API.md "Message").
public struct Message: Codable, Equatable, Sendable {
    /// Insertion order, used for `?after=` paging; never on the wire.
    public var seq: Int64 = 0
    public var id: String
    public var conversationId: String
    public var senderType: SenderType
    public var senderAgentId: String?
    public var kind: MessageKind
    public var content: String
    public var metadata: MessageMetadata?
    public var clientMessageId: String?
    public var createdAt: Timestamp
    /// The files it carries (API.md "Files and images").
    public var attachments: [AttachmentRef] = []

    public init(seq: Int64, id: String, conversationId: String, senderType: SenderType, senderAgentId: String?,
                kind: MessageKind, content: String, metadata: MessageMetadata?, clientMessageId: String?, createdAt: Timestamp,
                attachments: [AttachmentRef] = []) {
        self.seq = seq
        self.id = id
        self.conversationId = conversationId
        self.senderType = senderType
        self.senderAgentId = senderAgentId
        self.kind = kind
        self.content = content
        self.metadata = metadata
        self.clientMessageId = clientMessageId
        self.createdAt = createdAt
        self.attachments = attachments
    }

    enum CodingKeys: String, CodingKey {
        case id, conversationId = "conversation_id", senderType = "sender_type", senderAgentId = "sender_agent_id"
        case kind, content, metadata, clientMessageId = "client_message_id", createdAt = "created_at", attachments
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        conversationId = try c.decode(String.self, forKey: .conversationId)
        senderType = try c.decode(SenderType.self, forKey: .senderType)
        senderAgentId = try c.decodeIfPresent(String.self, forKey: .senderAgentId)
        kind = try c.decode(MessageKind.self, forKey: .kind)
        content = try c.decode(String.self, forKey: .content)
        metadata = try c.decodeIfPresent(MessageMetadata.self, forKey: .metadata)
        clientMessageId = try c.decodeIfPresent(String.self, forKey: .clientMessageId)
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        // Messages in outbox payloads from before attachments have none.
        attachments = try c.decodeIfPresent([AttachmentRef].self, forKey: .attachments) ?? []
    }

    /// Who wrote it, in one member (API.md "Message"): `integration` names the API key.
    public struct Sender: Codable, Equatable, Sendable {
        public var type: SenderType
        public var agentId: String?
        public var integration: String?
        enum CodingKeys: String, CodingKey { case type, agentId = "agent_id", integration }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encodeIfPresent(agentId, forKey: .agentId)
            try c.encodeIfPresent(integration, forKey: .integration)
        }
    }

    public var sender: Sender { Sender(type: senderType, agentId: senderAgentId, integration: metadata?.integration) }

    private enum SenderKey: String, CodingKey { case sender }

    /// The stored members, then `sender` (derived: decoding ignores it).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(conversationId, forKey: .conversationId)
        try c.encode(senderType, forKey: .senderType)
        try c.encodeIfPresent(senderAgentId, forKey: .senderAgentId)
        try c.encode(kind, forKey: .kind)
        try c.encode(content, forKey: .content)
        try c.encodeIfPresent(metadata, forKey: .metadata)
        try c.encodeIfPresent(clientMessageId, forKey: .clientMessageId)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(attachments, forKey: .attachments)
        var extra = encoder.container(keyedBy: SenderKey.self)
        try extra.encode(sender, forKey: .sender)
    }
}

/// What the system knows about a message beyond its text: which FAQ it is about, which
/// event a system message announces, whether the bot fell back. Only present keys are
/// written (an object of strings, as stored).
public struct MessageMetadata: Codable, Equatable, Sendable {
    public var event: String?
    public var agentId: String?
    public var faqSlug: String?
    /// "true" when the bot had no answer.
    public var fallback: String?
    /// The API key's name when the shop's system wrote it (kept as it was then).
    public var integration: String?

    public init(event: String? = nil, agentId: String? = nil, faqSlug: String? = nil, fallback: String? = nil,
                integration: String? = nil) {
        self.event = event
        self.agentId = agentId
        self.faqSlug = faqSlug
        self.fallback = fallback
        self.integration = integration
    }

    enum CodingKeys: String, CodingKey {
        case agentId = "agent_id", event, fallback, faqSlug = "faq_slug", integration
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let agentId { try container.encode(agentId, forKey: .agentId) }
        if let event { try container.encode(event, forKey: .event) }
        if let fallback { try container.encode(fallback, forKey: .fallback) }
        if let faqSlug { try container.encode(faqSlug, forKey: .faqSlug) }
        if let integration { try container.encode(integration, forKey: .integration) }
    }
}

/// A support officer's account (never with its password hash); also its wire shape.
public struct Agent: Codable, Equatable, Sendable {
    public var id: String
    public var username: String
    public var displayName: String
    public var role: AgentRole
    public var presence: Presence
    public var maxActiveChats: Int
    /// A disabled agent cannot log in, its tokens stop working and it is never assigned chats.
    public var disabled: Bool
    /// The last time the agent logged in or used the API (updated at most once a minute).
    public var lastSeenAt: Timestamp?
    /// Set while the agent is offline because their last console stream closed (since
    /// when); they come back online when a console opens again.
    public var awaySince: Timestamp?
    /// Where this agent gets e-mail, and whether offline messages go there too.
    public var email: String?
    public var emailNotifications: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// An API key acting as the shop (API.md "API keys"): never a person, never online, never
    /// holds a chat; `displayName` is the key's name.
    public var integration: Bool

    public init(id: String, username: String, displayName: String, role: AgentRole, presence: Presence,
                maxActiveChats: Int, disabled: Bool = false, lastSeenAt: Timestamp? = nil, awaySince: Timestamp? = nil,
                email: String? = nil, emailNotifications: Bool = false, createdAt: Timestamp, updatedAt: Timestamp,
                integration: Bool = false) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.presence = presence
        self.maxActiveChats = maxActiveChats
        self.disabled = disabled
        self.lastSeenAt = lastSeenAt
        self.awaySince = awaySince
        self.email = email
        self.emailNotifications = emailNotifications
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.integration = integration
    }

    public var actor: AgentActor { AgentActor(id: id, role: role, isIntegration: integration) }

    enum CodingKeys: String, CodingKey {
        case id, username, displayName = "display_name", presence, maxActiveChats = "max_active_chats", role
        case disabled, lastSeenAt = "last_seen_at", awaySince = "away_since", email, emailNotifications = "email_notifications"
        case createdAt = "created_at", updatedAt = "updated_at", integration
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        username = try c.decode(String.self, forKey: .username)
        displayName = try c.decode(String.self, forKey: .displayName)
        role = try c.decode(AgentRole.self, forKey: .role)
        presence = try c.decode(Presence.self, forKey: .presence)
        maxActiveChats = try c.decode(Int.self, forKey: .maxActiveChats)
        disabled = try c.decode(Bool.self, forKey: .disabled)
        lastSeenAt = try c.decodeIfPresent(Timestamp.self, forKey: .lastSeenAt)
        awaySince = try c.decodeIfPresent(Timestamp.self, forKey: .awaySince)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        emailNotifications = try c.decode(Bool.self, forKey: .emailNotifications)
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        updatedAt = try c.decode(Timestamp.self, forKey: .updatedAt)
        // Agents stored in outbox payloads before API keys existed have no such member.
        integration = try c.decodeIfPresent(Bool.self, forKey: .integration) ?? false
    }
}
