import SwitchboardCore

/// A page of the agent's conversation list or queue, with the event cursor of the same read.
public struct AgentConversationPage: Sendable {
    public let items: [AgentConversation]
    /// How many match in all (only when asked: it is a count over the table).
    public let total: Int?
    public let lastEventId: Int64
}

/// The console's side: lists, claim, release, reply, close.
extension ChatService {
    /// Conversations matching `query`, each with its newest message; with `counted`, also
    /// how many match in all (the queue's true size), from the same read.
    public func conversations(_ query: ConversationQuery, counted: Bool = false) throws -> AgentConversationPage {
        try read { rows in
            AgentConversationPage(items: try Self.summaries(try rows.conversations(query), rows),
                                  total: counted ? try rows.count(query) : nil, lastEventId: try rows.latestEventId())
        }
    }

    /// Takes a conversation; exactly one of many concurrent claimers wins, the rest get 409.
    public func claim(_ conversationId: String, by agent: Agent) throws -> AgentConversation {
        try write { tx in try agentView(transition(conversationId, .claim(agent.actor), tx).0, tx, viewer: agent) }
    }

    /// Puts a held conversation back in the queue.
    public func release(_ conversationId: String, by agent: Agent) throws -> AgentConversation {
        try write { tx in try agentView(transition(conversationId, .release(agent.actor), tx).0, tx, viewer: agent) }
    }

    /// Closes an escalated conversation; it becomes read-only. Returns the system message too.
    public func close(_ conversationId: String, by agent: Agent) throws -> (AgentConversation, Message?) {
        try write { tx in
            let (conversation, system) = try transition(conversationId, .close(agent.actor), tx)
            return (try agentView(conversation, tx, viewer: agent), system)
        }
    }

    /// An agent's reply. The first reply to an unassigned conversation assigns it to the
    /// sender. A repeated `clientMessageId` returns the original message (once the sender
    /// may still write there).
    public func agentSend(_ conversationId: String, by agent: Agent, content: String,
                          clientMessageId: String?, attachmentIds: [String] = []) throws -> (AgentConversation, Message) {
        try write { tx in
            try agentSend(conversationId, by: agent, content: content, clientMessageId: clientMessageId, attachmentIds: attachmentIds, tx)
        }
    }

    func agentSend(_ conversationId: String, by agent: Agent, content: String, clientMessageId: String?,
                   attachmentIds: [String] = [], _ tx: Transaction) throws -> (AgentConversation, Message) {
        var conversation = try tx.conversation(conversationId)
        // Who may write, then whether the conversation is open, and only then "already sent":
        // a retry never turns a 403 or a 409 into the original message's 200.
        let decision = try ConversationLifecycle.decide(conversation.state, .agentMessage(agent.actor)).get()
        if let original = try tx.original(clientMessageId, in: conversationId) {
            return (try agentView(conversation, tx, viewer: agent), original)
        }
        (conversation, _) = try apply(decision, to: conversation, tx)
        // The shop's system writes as itself, named, and is nobody's answer to the customer:
        // no first response, no rating asked for it (API.md "API keys").
        let metadata = agent.integration ? MessageMetadata(integration: agent.displayName) : nil
        let files = try tx.attachments(attachmentIds, in: conversationId, from: .agent)
        let message = try tx.insertMessage(conversationId, sender: .agent, agentId: agent.id, kind: .text,
                                           content: content, metadata: metadata, clientMessageId: clientMessageId,
                                           touchAs: agent.integration ? .bot : nil, attachments: files)
        if !conversation.hasAgentReplied && !agent.integration {
            try tx.rows.markAgentReplied(conversationId: conversationId, agentId: agent.id, at: message.createdAt)
        }
        // Whoever answers has read what they answered.
        try tx.rows.setReadCursor(agentId: agent.id, conversationId: conversationId, seq: message.seq, at: tx.now)
        try queueUnseenReplyMail(conversation, reply: message, tx)
        return (try agentView(tx.conversation(conversationId), tx, viewer: agent), message)
    }

    /// The agent has read the conversation up to a message (default: the newest). Their own
    /// streams hear `conversation.read`, so their other tabs clear the badge.
    public func markRead(_ conversationId: String, by agent: Agent, upToMessageId: String?) throws {
        try write { tx in
            _ = try tx.conversation(conversationId)
            let message: Message?
            if let upToMessageId {
                guard let found = try tx.rows.message(id: upToMessageId, conversationId: conversationId) else {
                    throw AppError.notFound("No message \(upToMessageId) in this conversation.", code: "message_not_found")
                }
                message = found
            } else {
                message = try tx.rows.lastMessage(conversationId: conversationId)
            }
            guard let message else { return }
            try tx.rows.setReadCursor(agentId: agent.id, conversationId: conversationId, seq: message.seq, at: tx.now)
            try tx.emit(.conversationRead(conversationId: conversationId, agentId: agent.id, upToMessageId: message.id))
        }
    }

    /// A conversation the agent may see, as the console shows it.
    public func agentConversation(_ conversationId: String, by agent: Agent) throws -> AgentConversation {
        try read { rows in
            try Self.summary(try Self.authorized(conversationId, .agent(agent), rows), viewer: agent.id, rows)
        }
    }

    /// The console's view of a conversation for `viewer` (their unread count).
    func agentView(_ conversation: Conversation, _ tx: Transaction, viewer: Agent) throws -> AgentConversation {
        try Self.summary(conversation, viewer: viewer.id, tx.rows)
    }
}
