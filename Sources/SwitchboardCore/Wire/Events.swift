/// An outbox event a state change emits: its name and audience (who may receive it) and
/// its typed payload (API.md "Realtime"). The service appends these; the store keeps the
/// encoded payload; the notifier sends the stored bytes as they are.
public enum ChatEvent: Equatable, Sendable {
    case messageCreated(Message)
    case conversationUpdated(Conversation)
    case agentAssigned(conversationId: String, agent: AssignedAgent)
    /// `canRate`: the widget may ask for a rating (an agent wrote in it).
    case chatClosed(conversationId: String, closedAt: Timestamp, canRate: Bool)
    case queueChatCreated(AgentConversation)
    case queueChatClaimed(conversationId: String, agentId: String)
    case agentPresenceChanged(Agent)
    /// The agent's sessions were revoked (disabled, password reset or changed): the notifier
    /// ends their open streams after delivering this, and consoles re-authorize.
    case agentSessionRevoked(agentId: String)
    /// A customer's sign-in on one device ended (logout, erasure): the notifier ends the
    /// streams opened with that session after delivering this (agents can ignore it).
    case customerSessionRevoked(sessionId: String)
    /// Whether anyone is there changed (an agent came or went, the hours began or ended):
    /// every open widget hears it on its stream and follows at once.
    case availabilityChanged(Availability)
    /// A private note: agents only, never a customer's stream (the audience says so).
    case noteCreated(Note)
    /// An agent was named in a note (`@username`); every console hears it, the named one shows it.
    case noteMentioned(conversationId: String, noteId: String, agentId: String)
    /// A conversation changed hands (`to` nil: back to the queue); agents only.
    case conversationTransferred(conversationId: String, from: String?, to: String?)
    /// The conversation's labels changed: a `conversation.updated` for agents only, with the
    /// labels (the customer's `conversation.updated` never carries them).
    case conversationLabelled(Conversation)
    /// The team's labels changed (created, renamed, recoloured, deleted): every console
    /// redraws its chips. Agents only.
    case labelsChanged([Label])
    /// An agent read a conversation up to a message: only that agent's streams receive it.
    case conversationRead(conversationId: String, agentId: String, upToMessageId: String)
    /// The customer rated the conversation: agents only.
    case conversationRated(conversationId: String, rating: Rating)

    /// The conversation id of an event every customer stream receives (and replays):
    /// availability is no conversation's secret.
    public static let everyConversation = "*"

    public var name: EventName {
        switch self {
        case .messageCreated: .messageCreated
        case .conversationUpdated: .conversationUpdated
        case .agentAssigned: .agentAssigned
        case .chatClosed: .chatClosed
        case .queueChatCreated: .queueChatCreated
        case .queueChatClaimed: .queueChatClaimed
        case .agentPresenceChanged: .agentPresenceChanged
        case .agentSessionRevoked: .agentSessionRevoked
        case .customerSessionRevoked: .customerSessionRevoked
        case .availabilityChanged: .availabilityChanged
        case .noteCreated: .noteCreated
        case .noteMentioned: .noteMentioned
        case .conversationTransferred: .conversationTransferred
        case .conversationRead: .conversationRead
        case .conversationLabelled: .conversationUpdated
        case .labelsChanged: .labelsChanged
        case .conversationRated: .conversationRated
        }
    }

    public var audience: EventAudience {
        switch self {
        case .messageCreated, .conversationUpdated, .agentAssigned, .chatClosed: .conversation
        case .availabilityChanged: .conversation
        case .queueChatCreated, .queueChatClaimed, .agentPresenceChanged, .agentSessionRevoked, .customerSessionRevoked: .agents
        case .noteCreated, .noteMentioned, .conversationTransferred, .conversationRead, .conversationLabelled, .labelsChanged: .agents
        case .conversationRated: .agents
        }
    }

    public var conversationId: String? {
        switch self {
        case .messageCreated(let m): m.conversationId
        case .conversationUpdated(let c): c.id
        case .agentAssigned(let id, _), .chatClosed(let id, _, _), .queueChatClaimed(let id, _): id
        case .conversationRated(let id, _): id
        case .queueChatCreated(let c): c.id
        case .availabilityChanged: Self.everyConversation
        case .noteCreated(let note): note.conversationId
        case .conversationLabelled(let c): c.id
        case .noteMentioned(let id, _, _), .conversationTransferred(let id, _, _), .conversationRead(let id, _, _): id
        case .agentPresenceChanged, .agentSessionRevoked, .customerSessionRevoked, .labelsChanged: nil
        }
    }

    /// The `data:` JSON of the SSE frame.
    public func payload() throws -> String {
        switch self {
        case .messageCreated(let m): try WireJSON.string(EventPayload.MessageCreated(conversationId: m.conversationId, message: m))
        case .conversationUpdated(let c): try WireJSON.string(EventPayload.ConversationUpdated(conversation: c))
        case .agentAssigned(let id, let agent): try WireJSON.string(EventPayload.AgentAssigned(conversationId: id, agent: agent))
        case .chatClosed(let id, let at, let canRate):
            try WireJSON.string(EventPayload.ChatClosed(conversationId: id, closedAt: at, canRate: canRate))
        case .queueChatCreated(let c): try WireJSON.string(EventPayload.QueueChatCreated(conversation: c))
        case .queueChatClaimed(let id, let agentId): try WireJSON.string(EventPayload.QueueChatClaimed(conversationId: id, agentId: agentId))
        case .agentPresenceChanged(let agent): try WireJSON.string(EventPayload.AgentPresenceChanged(agent: agent))
        case .agentSessionRevoked(let agentId): try WireJSON.string(EventPayload.AgentSessionRevoked(agentId: agentId))
        case .customerSessionRevoked(let id): try WireJSON.string(EventPayload.CustomerSessionRevoked(sessionId: id))
        case .availabilityChanged(let availability): try WireJSON.string(availability)
        case .noteCreated(let note): try WireJSON.string(EventPayload.NoteCreated(conversationId: note.conversationId, note: note))
        case .noteMentioned(let id, let noteId, let agentId):
            try WireJSON.string(EventPayload.NoteMentioned(conversationId: id, noteId: noteId, agentId: agentId))
        case .conversationTransferred(let id, let from, let to):
            try WireJSON.string(EventPayload.ConversationTransferred(conversationId: id, fromAgentId: from, toAgentId: to))
        case .conversationLabelled(let c): try WireJSON.string(EventPayload.ConversationLabelled(conversation: c, labels: c.labels))
        case .labelsChanged(let labels): try WireJSON.string(EventPayload.LabelsChanged(labels: labels))
        case .conversationRead(let id, let agentId, let messageId):
            try WireJSON.string(EventPayload.ConversationRead(conversationId: id, agentId: agentId, upToMessageId: messageId))
        case .conversationRated(let id, let rating): try WireJSON.string(EventPayload.ConversationRated(conversationId: id, rating: rating))
        }
    }
}

/// The agent named in `agent.assigned`.
public struct AssignedAgent: Codable, Equatable, Sendable {
    public var id: String
    public var displayName: String

    public init(id: String, displayName: String) {
        self.id = id
        self.displayName = displayName
    }

    enum CodingKeys: String, CodingKey {
        case id, displayName = "display_name"
    }
}

/// The `data:` objects of the realtime contract, one type per event name.
public enum EventPayload {
    public struct MessageCreated: Codable, Equatable, Sendable {
        public var conversationId: String
        public var message: Message
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", message }
    }

    public struct ConversationUpdated: Codable, Equatable, Sendable {
        public var conversation: Conversation
    }

    public struct AgentAssigned: Codable, Equatable, Sendable {
        public var conversationId: String
        public var agent: AssignedAgent
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", agent }
    }

    public struct ChatClosed: Codable, Equatable, Sendable {
        public var conversationId: String
        public var closedAt: Timestamp
        public var canRate: Bool
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", closedAt = "closed_at", canRate = "can_rate" }
    }

    public struct QueueChatCreated: Codable, Equatable, Sendable {
        public var conversation: AgentConversation
    }

    public struct QueueChatClaimed: Codable, Equatable, Sendable {
        public var conversationId: String
        public var agentId: String
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", agentId = "agent_id" }
    }

    public struct AgentPresenceChanged: Codable, Equatable, Sendable {
        public var agent: Agent
    }

    public struct AgentSessionRevoked: Codable, Equatable, Sendable {
        public var agentId: String
        public init(agentId: String) { self.agentId = agentId }
        enum CodingKeys: String, CodingKey { case agentId = "agent_id" }
    }

    public struct NoteCreated: Codable, Equatable, Sendable {
        public var conversationId: String
        public var note: Note
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", note }
    }

    public struct NoteMentioned: Codable, Equatable, Sendable {
        public var conversationId: String
        public var noteId: String
        public var agentId: String
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", noteId = "note_id", agentId = "agent_id" }
    }

    public struct ConversationTransferred: Codable, Equatable, Sendable {
        public var conversationId: String
        public var fromAgentId: String?
        public var toAgentId: String?
        enum CodingKeys: String, CodingKey {
            case conversationId = "conversation_id", fromAgentId = "from_agent_id", toAgentId = "to_agent_id"
        }
    }

    /// `conversation.updated` as agents get it when labels change: the summary and the labels.
    public struct ConversationLabelled: Codable, Equatable, Sendable {
        public var conversation: Conversation
        public var labels: [Label]
    }

    public struct LabelsChanged: Codable, Equatable, Sendable {
        public var labels: [Label]
    }

    public struct ConversationRead: Codable, Equatable, Sendable {
        public var conversationId: String
        public var agentId: String
        public var upToMessageId: String
        enum CodingKeys: String, CodingKey {
            case conversationId = "conversation_id", agentId = "agent_id", upToMessageId = "up_to_message_id"
        }
    }

    public struct ConversationRated: Codable, Equatable, Sendable {
        public var conversationId: String
        public var rating: Rating
        enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", rating }
    }

    public struct CustomerSessionRevoked: Codable, Equatable, Sendable {
        public var sessionId: String
        public init(sessionId: String) { self.sessionId = sessionId }
        enum CodingKeys: String, CodingKey { case sessionId = "session_id" }
    }

    /// `agent.typing` / `customer.typing`: ephemeral, never stored.
    public struct Typing: Codable, Equatable, Sendable {
        public var conversationId: String
        public var typing: Bool
        public var agentId: String?
        public var agentName: String?

        public init(conversationId: String, typing: Bool, agentId: String?, agentName: String?) {
            self.conversationId = conversationId
            self.typing = typing
            self.agentId = agentId
            self.agentName = agentName
        }

        enum CodingKeys: String, CodingKey {
            case conversationId = "conversation_id", typing, agentId = "agent_id", agentName = "agent_name"
        }
    }

    /// The `reset` control event: the cursor is unusable; refetch over REST from here.
    public struct Reset: Codable, Equatable, Sendable {
        public var lastEventId: Int64
        public init(lastEventId: Int64) { self.lastEventId = lastEventId }
        enum CodingKeys: String, CodingKey { case lastEventId = "last_event_id" }
    }
}
