/// Where a conversation is in its life: the bot answers, a human has it (or is wanted), or it is over.
public enum ConversationStatus: String, Codable, Sendable, CaseIterable {
    case automated, agent, closed
}

/// Who wrote a message.
public enum SenderType: String, Codable, Sendable {
    case customer, bot, agent, system
}

/// What a message is: typed text, a tapped FAQ button, or a note about something that happened.
public enum MessageKind: String, Codable, Sendable {
    case text
    case quickReply = "quick_reply"
    case event
}

/// An agent's permissions: admins may also register agents and act on any conversation.
public enum AgentRole: String, Codable, Sendable {
    case agent, admin
}

/// Whether an agent takes chats right now.
public enum Presence: String, Codable, Sendable {
    case online, offline
}

/// How escalated chats find an agent.
public enum RoutingMode: String, Sendable {
    /// Assign the least-loaded online agent with spare capacity; otherwise queue.
    case auto
    /// Always queue; agents claim.
    case manual
}

/// The outbox event names of the realtime contract.
public enum EventName: String, Sendable, CaseIterable {
    case messageCreated = "message.created"
    case conversationUpdated = "conversation.updated"
    case agentAssigned = "agent.assigned"
    case chatClosed = "chat.closed"
    case queueChatCreated = "queue.chat_created"
    case queueChatClaimed = "queue.chat_claimed"
    case agentPresenceChanged = "agent.presence.changed"
    case agentSessionRevoked = "agent.session_revoked"
    case customerSessionRevoked = "customer.session_revoked"
    case availabilityChanged = "availability.changed"
    case noteCreated = "note.created"
    case noteMentioned = "note.mentioned"
    case conversationTransferred = "conversation.transferred"
    case conversationRead = "conversation.read"
    case labelsChanged = "labels.changed"
    case conversationRated = "conversation.rated"
    // Ephemeral (never stored).
    case agentTyping = "agent.typing"
    case customerTyping = "customer.typing"
}

/// Who may receive a stored event.
public enum EventAudience: String, Sendable {
    /// The conversation's customer and every agent.
    case conversation
    /// Agents only.
    case agents
}

/// Limits that the API enforces on user input.
public enum Limits {
    public static let messageMaxCharacters = 4000
    public static let clientMessageIdMaxLength = 128
    public static let passwordMinLength = 10
    public static let passwordMaxBytes = 256
    public static let combiningMarksPerCharacter = 4
    public static let displayNameMaxLength = 80
    /// Usernames: characters (all ASCII, so also bytes).
    public static let usernameLength = 2...32
    /// E-mail addresses, in bytes (RFC 5321's path limit).
    public static let emailMaxLength = 254
    public static let emailLocalPartMaxLength = 64
    public static let listMaxLimit = 200
    public static let listDefaultLimit = 50
    /// A messages page (`GET .../messages?limit=`): its default and largest size.
    public static let messagesPageDefault = 500
    public static let messagesPageMax = 1000
    /// Customer session ids: URL-safe characters, at least 128 bits' worth.
    public static let sessionIdLength = 22...128
    public static let maxActiveChatsRange = 1...100
    public static let slugMaxLength = 60
    public static let faqQuestionMaxCharacters = 200
    public static let faqAnswerMaxCharacters = 2000
    public static let faqKeywordsMax = 30
    public static let faqKeywordMaxCharacters = 40
    public static let faqsMax = 200
    // The shop's settings (characters).
    public static let brandName = 1...60
    public static let botName = 1...40
    /// The welcome, fallback and away messages.
    public static let botText = 1...500
    public static let widgetTitle = 1...60
    public static let widgetSubtitle = 0...120
    public static let widgetGreeting = 0...240
    /// A canned reply's title (its content is a message's).
    public static let cannedTitle = 1...80
    public static let labelName = 1...40
    public static let labelsMax = 100
    public static let labelsPerConversation = 20
}
