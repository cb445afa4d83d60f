import GRDB
import SwitchboardCore

/// Carries out the state machine's decisions inside a write transaction: the row update,
/// the system message the customer sees, and the outbox events. One place, so claim,
/// routing, replies and presence changes announce the same things the same way.
extension Store {
    static func loadConversation(_ id: String, _ db: Database) throws -> Conversation? {
        try Row.fetchOne(db, sql: "SELECT \(conversationColumns) FROM \(conversationFrom) WHERE c.id = ?", arguments: [id])
            .map(conversation)
    }

    static func lastMessage(_ conversationId: String, _ db: Database) throws -> Message? {
        try Row.fetchOne(db, sql: "SELECT \(messageColumns) FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1",
                         arguments: [conversationId]).map(message)
    }

    /// Inserts a message and its `message.created` event.
    static func insertMessage(_ db: Database, _ outbox: inout Outbox, conversationId: String, sender: SenderType,
                              agentId: String? = nil, kind: MessageKind, content: String,
                              metadata: [(String, String)]? = nil, clientMessageId: String? = nil,
                              replyToSeq: Int64? = nil, at now: Timestamp) throws -> Message {
        let id = newId()
        try db.execute(sql: """
            INSERT INTO messages (id, conversation_id, sender_type, sender_agent_id, kind, content, metadata, client_message_id, reply_to_seq, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, conversationId, sender.rawValue, agentId, kind.rawValue, content,
                             encodeMetadata(metadata), clientMessageId, replyToSeq, now.milliseconds])
        let message = Message(seq: db.lastInsertedRowID, id: id, conversationId: conversationId, senderType: sender,
                              senderAgentId: agentId, kind: kind, content: content, metadata: metadata,
                              clientMessageId: clientMessageId, createdAt: now)
        try db.execute(sql: "UPDATE conversations SET updated_at = ? WHERE id = ?", arguments: [now.milliseconds, conversationId])
        try outbox.add(.messageCreated, .conversation, conversationId: conversationId,
                   .object([("conversation_id", .string(conversationId)), ("message", Views.message(message))]))
        return message
    }

    static func systemMessage(_ db: Database, _ outbox: inout Outbox, _ conversationId: String, _ text: String,
                              event: String, agentId: String? = nil, at now: Timestamp) throws -> Message {
        var metadata = [("event", event)]
        if let agentId { metadata.append(("agent_id", agentId)) }
        return try insertMessage(db, &outbox, conversationId: conversationId, sender: .system, kind: .event,
                                 content: text, metadata: metadata, at: now)
    }

    /// Applies a decision's effect. Returns the conversation as stored afterwards and the system message, if any.
    func apply(_ decision: ConversationDecision, to conversation: Conversation, _ db: Database,
               _ outbox: inout Outbox) throws -> (Conversation, Message?) {
        let now = Timestamp.now()
        let id = conversation.id
        var system: Message?
        switch decision.effect {
        case .none:
            return (conversation, nil)

        case .queued:
            try db.execute(sql: "UPDATE conversations SET status = 'agent', assigned_agent_id = NULL, requested_agent_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [now.milliseconds, now.milliseconds, id])
            if routing == .auto, let agent = try Store.leastLoadedOnlineAgent(db) {
                let queued = try Store.loadConversation(id, db)!
                return try apply(ConversationLifecycle.decide(queued.state, .route(agentId: agent.id)).get(), to: queued, db, &outbox)
            }
            system = try Store.systemMessage(db, &outbox, id, BotText.queued, event: "queued", at: now)
            let updated = try Store.loadConversation(id, db)!
            try outbox.add(.queueChatCreated, .agents, conversationId: id,
                       .object([("conversation", Views.agentConversation(updated, lastMessage: system))]))

        case .assigned(let agentId):
            // The one conditional update that makes claims atomic: of many claimers exactly one changes the row.
            try db.execute(sql: """
                UPDATE conversations SET status = 'agent', assigned_agent_id = ?,
                    requested_agent_at = COALESCE(requested_agent_at, ?), updated_at = ?
                WHERE id = ? AND assigned_agent_id IS NULL AND status != 'closed'
                """, arguments: [agentId, now.milliseconds, now.milliseconds, id])
            guard db.changesCount == 1 else {
                throw AppError.conflict("Another agent has already claimed this conversation.", code: "already_claimed")
            }
            let agent = try Store.agent(id: agentId, db)
            let name = agent?.displayName ?? "An agent"
            system = try Store.systemMessage(db, &outbox, id, BotText.assigned(name), event: "assigned", agentId: agentId, at: now)
            try outbox.add(.agentAssigned, .conversation, conversationId: id, .object([
                ("conversation_id", .string(id)),
                ("agent", .object([("id", .string(agentId)), ("display_name", .string(name))])),
            ]))
            try outbox.add(.queueChatClaimed, .agents, conversationId: id,
                       .object([("conversation_id", .string(id)), ("agent_id", .string(agentId))]))

        case .released:
            try db.execute(sql: "UPDATE conversations SET assigned_agent_id = NULL, updated_at = ? WHERE id = ?",
                           arguments: [now.milliseconds, id])
            system = try Store.systemMessage(db, &outbox, id, BotText.released, event: "released", at: now)
            let updated = try Store.loadConversation(id, db)!
            try outbox.add(.queueChatCreated, .agents, conversationId: id,
                       .object([("conversation", Views.agentConversation(updated, lastMessage: system))]))

        case .closed:
            try db.execute(sql: "UPDATE conversations SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [now.milliseconds, now.milliseconds, id])
            system = try Store.systemMessage(db, &outbox, id, BotText.closed, event: "closed", at: now)
            try outbox.add(.chatClosed, .conversation, conversationId: id,
                       .object([("conversation_id", .string(id)), ("closed_at", .time(now))]))
        }
        let updated = try Store.loadConversation(id, db)!
        try outbox.add(.conversationUpdated, .conversation, conversationId: id,
                   .object([("conversation", Views.conversationSummary(updated))]))
        return (updated, system)
    }
}
