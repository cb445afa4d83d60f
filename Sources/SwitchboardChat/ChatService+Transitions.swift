import SwitchboardCore

/// Carries out the state machine's decisions: the row change, the system message the
/// customer sees, and the events. One place, so claims, routing, replies and presence
/// changes announce the same things the same way.
extension ChatService {
    /// Decides and applies `command` on a conversation that must exist.
    func transition(_ conversationId: String, _ command: ConversationCommand, _ tx: Transaction) throws -> (Conversation, Message?) {
        let conversation = try tx.conversation(conversationId)
        let decision = try ConversationLifecycle.decide(conversation.state, command).get()
        return try apply(decision, to: conversation, tx)
    }

    /// Applies a decision's effect. Returns the conversation as stored afterwards and the system message, if any.
    /// `offline`: an escalation while nobody is there is queued marked offline, never routed.
    func apply(_ decision: ConversationDecision, to conversation: Conversation, _ tx: Transaction,
               offline: Bool = false) throws -> (Conversation, Message?) {
        let id = conversation.id
        let system: Message
        switch decision.effect {
        case .none:
            return (conversation, nil)

        case .queued:
            try tx.rows.setQueued(conversationId: id, at: tx.now)
            if offline { try tx.rows.setOffline(conversationId: id) }
            // Before routing, so a receiver hears "escalated" before "assigned".
            try tx.announceConversation(.conversationEscalated, id)
            if offline {
                system = try tx.systemMessage(id, BotText.offline(email: conversation.customerEmail, byMail: policy.mailEnabled),
                                              event: "offline")
            } else if routing == .auto, let agent = try tx.rows.leastLoadedOnlineAgent() {
                return try transition(id, .route(agentId: agent.id), tx)
            } else {
                system = try tx.systemMessage(id, BotText.queued, event: "queued")
            }
            try tx.emit(.queueChatCreated(try tx.queueEntry(id)))

        case .assigned(let agentId):
            // The one conditional update that makes claims atomic: of many claimers exactly one changes the row.
            guard try tx.rows.assignIfFree(conversationId: id, agentId: agentId, at: tx.now) else {
                throw AppError.conflict("Another agent has already claimed this conversation.", code: "already_claimed")
            }
            let name = try tx.rows.agent(id: agentId)?.displayName ?? "An agent"
            system = try tx.systemMessage(id, BotText.assigned(name), event: "assigned", agentId: agentId)
            try tx.emit(.agentAssigned(conversationId: id, agent: AssignedAgent(id: agentId, displayName: name)))
            try tx.emit(.queueChatClaimed(conversationId: id, agentId: agentId))

        case .released:
            try tx.rows.setUnassigned(conversationId: id, at: tx.now)
            system = try tx.systemMessage(id, BotText.released, event: "released")
            try tx.emit(.queueChatCreated(try tx.queueEntry(id)))

        case .closed:
            try tx.rows.setClosed(conversationId: id, at: tx.now)
            system = try tx.systemMessage(id, BotText.closed, event: "closed")
            try tx.emit(.chatClosed(conversationId: id, closedAt: tx.now, canRate: conversation.hasAgentReplied))
            if conversation.transcriptRequested { try queueTranscriptMail(try tx.conversation(id), tx) }
        }
        let updated = try tx.conversation(id)
        try tx.emit(.conversationUpdated(updated))
        return (updated, system)
    }

    /// Gives queued chats to `agent`, oldest request first, until it is at capacity.
    func assignWaitingChats(to agent: Agent, _ tx: Transaction) throws {
        let room = agent.maxActiveChats - (try tx.rows.activeChatCount(agentId: agent.id))
        guard room > 0 else { return }
        for (chat, _) in try tx.rows.conversations(.queue(limit: room)) {
            _ = try apply(ConversationLifecycle.decide(chat.state, .route(agentId: agent.id)).get(), to: chat, tx)
        }
    }
}
