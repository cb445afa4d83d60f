/// A conversation as the store keeps it (without the customer's credential).
public struct Conversation: Equatable, Sendable {
    public var id: String
    public var status: ConversationStatus
    public var assignedAgentId: String?
    /// Display name of the assigned agent, joined in by the store for convenience.
    public var assignedAgentName: String?
    public var hasAgentReplied: Bool
    public var requestedAgentAt: Timestamp?
    public var closedAt: Timestamp?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var customerDisplayName: String
    public var customerEmail: String?

    public init(id: String, status: ConversationStatus, assignedAgentId: String?, assignedAgentName: String?,
                hasAgentReplied: Bool, requestedAgentAt: Timestamp?, closedAt: Timestamp?, createdAt: Timestamp,
                updatedAt: Timestamp, customerDisplayName: String, customerEmail: String?) {
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
    }

    public var state: ConversationState { ConversationState(status: status, assignedAgentId: assignedAgentId) }
}

/// One message in a conversation.
public struct Message: Equatable, Sendable {
    /// Insertion order, used for `?after=` paging; never on the wire.
    public var seq: Int64
    public var id: String
    public var conversationId: String
    public var senderType: SenderType
    public var senderAgentId: String?
    public var kind: MessageKind
    public var content: String
    public var metadata: [(String, String)]?
    public var clientMessageId: String?
    public var createdAt: Timestamp

    public init(seq: Int64, id: String, conversationId: String, senderType: SenderType, senderAgentId: String?,
                kind: MessageKind, content: String, metadata: [(String, String)]?, clientMessageId: String?, createdAt: Timestamp) {
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
    }

    public static func == (a: Message, b: Message) -> Bool {
        a.id == b.id && a.seq == b.seq && a.content == b.content && a.conversationId == b.conversationId
    }
}

/// A support officer's account (never with its password hash).
public struct Agent: Equatable, Sendable {
    public var id: String
    public var username: String
    public var displayName: String
    public var role: AgentRole
    public var presence: Presence
    public var maxActiveChats: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, username: String, displayName: String, role: AgentRole, presence: Presence,
                maxActiveChats: Int, createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.presence = presence
        self.maxActiveChats = maxActiveChats
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var actor: AgentActor { AgentActor(id: id, role: role) }
}
