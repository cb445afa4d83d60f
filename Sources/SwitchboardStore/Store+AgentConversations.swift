import GRDB
import SwitchboardCore

/// A page of the agent's conversation list or queue, with the event cursor of the same read.
public struct AgentConversationPage: Sendable {
    public let items: [(Conversation, Message?)]
    public let lastEventId: Int64
}

/// Filter for the agent conversation list.
public enum AssignedFilter: String, Sendable {
    case me, none, any
}

extension Store {
    /// Newest activity first.
    public func agentConversations(for agent: Agent, status: ConversationStatus?, assigned: AssignedFilter,
                                   limit: Int, before: Timestamp?) throws -> AgentConversationPage {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status {
            conditions.append("c.status = ?")
            arguments += [status.rawValue]
        }
        switch assigned {
        case .me:
            conditions.append("c.assigned_agent_id = ?")
            arguments += [agent.id]
        case .none: conditions.append("c.assigned_agent_id IS NULL")
        case .any: break
        }
        if let before {
            conditions.append("c.updated_at < ?")
            arguments += [before.milliseconds]
        }
        arguments += [limit]
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try list(sql: """
            SELECT \(Store.conversationColumns) FROM \(Store.conversationFrom) \(whereClause)
            ORDER BY c.updated_at DESC, c.id DESC LIMIT ?
            """, arguments)
    }

    /// Escalated, unassigned conversations, oldest request first.
    public func queue(limit: Int = 200) throws -> AgentConversationPage {
        try list(sql: """
            SELECT \(Store.conversationColumns) FROM \(Store.conversationFrom)
            WHERE c.status = 'agent' AND c.assigned_agent_id IS NULL
            ORDER BY c.requested_agent_at, c.created_at LIMIT ?
            """, [limit])
    }

    private func list(sql: String, _ arguments: StatementArguments) throws -> AgentConversationPage {
        try read { db in
            let conversations = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Store.conversation)
            let items = try conversations.map { ($0, try Store.lastMessage($0.id, db)) }
            return AgentConversationPage(items: items, lastEventId: try Store.latestEventId(db))
        }
    }

    /// Takes a conversation; exactly one of many concurrent claimers wins, the rest get 409.
    public func claim(_ conversationId: String, by agent: Agent) throws -> Conversation {
        try transition(conversationId, .claim(agent.actor)).0
    }

    /// Puts a held conversation back in the queue.
    public func release(_ conversationId: String, by agent: Agent) throws -> Conversation {
        try transition(conversationId, .release(agent.actor)).0
    }

    /// Closes an escalated conversation; it becomes read-only.
    public func close(_ conversationId: String, by agent: Agent) throws -> (Conversation, Message?) {
        try transition(conversationId, .close(agent.actor))
    }

    private func transition(_ conversationId: String, _ command: ConversationCommand) throws -> (Conversation, Message?) {
        try write { db, outbox in
            guard let conversation = try Store.loadConversation(conversationId, db) else { throw AppError.conversationNotFound }
            let decision = try ConversationLifecycle.decide(conversation.state, command).get()
            return try apply(decision, to: conversation, db, &outbox)
        }
    }

    /// An agent's reply. The first reply to an unassigned conversation assigns it to the sender.
    public func agentSend(_ conversationId: String, by agent: Agent, content: String, clientMessageId: String?) throws -> (Conversation, Message) {
        try write { db, outbox in
            guard var conversation = try Store.loadConversation(conversationId, db) else { throw AppError.conversationNotFound }
            if let clientMessageId, let original = try Row.fetchOne(db, sql: """
                SELECT \(Store.messageColumns) FROM messages WHERE conversation_id = ? AND client_message_id = ?
                """, arguments: [conversationId, clientMessageId]).map(Store.message) {
                return (conversation, original)
            }
            let decision = try ConversationLifecycle.decide(conversation.state, .agentMessage(agent.actor)).get()
            (conversation, _) = try apply(decision, to: conversation, db, &outbox)
            let now = Timestamp.now()
            let message = try Store.insertMessage(db, &outbox, conversationId: conversationId, sender: .agent, agentId: agent.id,
                                                  kind: .text, content: content, clientMessageId: clientMessageId, at: now)
            if !conversation.hasAgentReplied {
                try db.execute(sql: "UPDATE conversations SET has_agent_replied = 1 WHERE id = ?", arguments: [conversationId])
            }
            return (try Store.loadConversation(conversationId, db)!, message)
        }
    }
}

extension Store {
    /// The newest message of a conversation, for list items.
    public func lastMessage(_ conversationId: String) throws -> Message? {
        try read { db in try Store.lastMessage(conversationId, db) }
    }
}
