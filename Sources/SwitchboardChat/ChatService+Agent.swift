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
            AgentConversationPage(items: try rows.conversations(query).map { AgentConversation($0.0, lastMessage: $0.1) },
                                  total: counted ? try rows.count(query) : nil, lastEventId: try rows.latestEventId())
        }
    }

    /// Takes a conversation; exactly one of many concurrent claimers wins, the rest get 409.
    public func claim(_ conversationId: String, by agent: Agent) throws -> AgentConversation {
        try write { tx in try agentView(transition(conversationId, .claim(agent.actor), tx).0, tx) }
    }

    /// Puts a held conversation back in the queue.
    public func release(_ conversationId: String, by agent: Agent) throws -> AgentConversation {
        try write { tx in try agentView(transition(conversationId, .release(agent.actor), tx).0, tx) }
    }

    /// Closes an escalated conversation; it becomes read-only. Returns the system message too.
    public func close(_ conversationId: String, by agent: Agent) throws -> (AgentConversation, Message?) {
        try write { tx in
            let (conversation, system) = try transition(conversationId, .close(agent.actor), tx)
            return (try agentView(conversation, tx), system)
        }
    }

    /// An agent's reply. The first reply to an unassigned conversation assigns it to the
    /// sender. A repeated `clientMessageId` returns the original message (once the sender
    /// may still write there).
    public func agentSend(_ conversationId: String, by agent: Agent, content: String,
                          clientMessageId: String?) throws -> (AgentConversation, Message) {
        try write { tx in
            var conversation = try tx.conversation(conversationId)
            // Who may write, then whether the conversation is open, and only then "already sent":
            // a retry never turns a 403 or a 409 into the original message's 200.
            let decision = try ConversationLifecycle.decide(conversation.state, .agentMessage(agent.actor)).get()
            if let original = try tx.original(clientMessageId, in: conversationId) {
                return (try agentView(conversation, tx), original)
            }
            (conversation, _) = try apply(decision, to: conversation, tx)
            let message = try tx.insertMessage(conversationId, sender: .agent, agentId: agent.id, kind: .text,
                                               content: content, clientMessageId: clientMessageId)
            if !conversation.hasAgentReplied { try tx.rows.markAgentReplied(conversationId: conversationId) }
            try queueUnseenReplyMail(conversation, reply: message, tx)
            return (try agentView(tx.conversation(conversationId), tx), message)
        }
    }

    /// A conversation the agent may see, as the console shows it.
    public func agentConversation(_ conversationId: String, by agent: Agent) throws -> AgentConversation {
        try read { rows in
            let conversation = try Self.authorized(conversationId, .agent(agent), rows)
            return AgentConversation(conversation, lastMessage: try rows.lastMessage(conversationId: conversationId))
        }
    }

    func agentView(_ conversation: Conversation, _ tx: Transaction) throws -> AgentConversation {
        AgentConversation(conversation, lastMessage: try tx.rows.lastMessage(conversationId: conversation.id))
    }
}
