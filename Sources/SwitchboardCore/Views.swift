/// The wire shapes of API.md, built as `JSON` so REST answers and outbox events share them.
public enum Views {
    /// Conversation, customer view. The session id is the caller's own credential, echoed back.
    public static func conversation(_ c: Conversation, sessionId: String) -> JSON {
        .object([
            ("id", .string(c.id)),
            ("customer_session_id", .string(sessionId)),
            ("status", .string(c.status.rawValue)),
            ("assigned_agent_id", .optional(c.assignedAgentId)),
            ("assigned_agent_name", .optional(c.assignedAgentName)),
            ("created_at", .time(c.createdAt)),
            ("updated_at", .time(c.updatedAt)),
        ])
    }

    /// What both sides may see of a conversation: used in events, which customers and agents receive.
    public static func conversationSummary(_ c: Conversation) -> JSON {
        .object([
            ("id", .string(c.id)),
            ("status", .string(c.status.rawValue)),
            ("assigned_agent_id", .optional(c.assignedAgentId)),
            ("assigned_agent_name", .optional(c.assignedAgentName)),
            ("has_agent_replied", .bool(c.hasAgentReplied)),
            ("requested_agent_at", .optional(c.requestedAgentAt)),
            ("closed_at", .optional(c.closedAt)),
            ("created_at", .time(c.createdAt)),
            ("updated_at", .time(c.updatedAt)),
        ])
    }

    /// AgentConversation: the summary plus the newest message and who the customer is.
    /// Never contains the customer's session id.
    public static func agentConversation(_ c: Conversation, lastMessage: Message?) -> JSON {
        guard case .object(let fields) = conversationSummary(c) else { return .null }
        return .object(fields + [
            ("last_message", lastMessage.map(message) ?? .null),
            ("customer", .object([
                ("display_name", .string(c.customerDisplayName)),
                ("email", .optional(c.customerEmail)),
            ])),
        ])
    }

    public static func message(_ m: Message) -> JSON {
        .object([
            ("id", .string(m.id)),
            ("conversation_id", .string(m.conversationId)),
            ("sender_type", .string(m.senderType.rawValue)),
            ("sender_agent_id", .optional(m.senderAgentId)),
            ("kind", .string(m.kind.rawValue)),
            ("content", .string(m.content)),
            ("metadata", m.metadata.map { .object($0.map { ($0.0, .string($0.1)) }) } ?? .null),
            ("client_message_id", .optional(m.clientMessageId)),
            ("created_at", .time(m.createdAt)),
        ])
    }

    public static func agent(_ a: Agent) -> JSON {
        .object([
            ("id", .string(a.id)),
            ("username", .string(a.username)),
            ("display_name", .string(a.displayName)),
            ("presence", .string(a.presence.rawValue)),
            ("max_active_chats", .int(Int64(a.maxActiveChats))),
            ("role", .string(a.role.rawValue)),
            ("created_at", .time(a.createdAt)),
            ("updated_at", .time(a.updatedAt)),
        ])
    }

    public static func quickQuestion(_ f: FAQ) -> JSON {
        .object([("slug", .string(f.slug)), ("question", .string(f.question))])
    }
}
