import SwitchboardCore

/// Private notes and handing a chat over (API.md "Private notes", "Transfer"). A note is
/// written to its own table and announced in its own agents-only event; nothing that
/// carries messages to a customer reads that table.
extension ChatService {
    /// Any agent may write a note on any conversation, closed ones included.
    public func addNote(_ conversationId: String, by agent: Agent, content: String) throws -> Note {
        let content = try Validate.content(content)
        return try write { tx in
            _ = try tx.conversation(conversationId)
            return try insertNote(conversationId, by: agent, content: content, tx)
        }
    }

    /// The conversation's notes, oldest first.
    public func notes(_ conversationId: String) throws -> [Note] {
        try read { rows in
            guard try rows.conversation(id: conversationId) != nil else { throw AppError.conversationNotFound }
            return try rows.notes(conversationId: conversationId)
        }
    }

    /// Stores a note; `@username` mentions of existing agents become `note.mentioned` events.
    func insertNote(_ conversationId: String, by agent: Agent, content: String, _ tx: Transaction) throws -> Note {
        let mentioned = try Note.mentionedUsernames(in: content).compactMap { try tx.rows.agent(username: $0) }
        let note = Note(id: Identifiers.uuid(), conversationId: conversationId,
                        author: Note.Author(id: agent.id, displayName: agent.displayName), content: content,
                        mentions: mentioned.map(\.id), createdAt: tx.now)
        try tx.rows.insertNote(note)
        try tx.emit(.noteCreated(note))
        for target in mentioned {
            try tx.emit(.noteMentioned(conversationId: conversationId, noteId: note.id, agentId: target.id))
        }
        return note
    }

    /// Where a transfer sends a chat.
    public enum TransferTarget: Equatable, Sendable {
        case agent(String)
        case queue
    }

    /// Hands a chat to a colleague (or back to the queue), by its holder or an admin, with
    /// an optional note for the next person. The customer sees one system message and never
    /// the note. The target must be enabled and have room (an admin may `force` past a
    /// full one). A transfer to the queue stays in the queue, with `auto` routing too: its
    /// holder asked for the queue, and routing could hand it straight back to them.
    public func transfer(_ conversationId: String, by actor: Agent, to target: TransferTarget, note: String?,
                         force: Bool = false) throws -> AgentConversation {
        let note = try note.map { try Validate.content($0) }
        return try write { tx in
            let conversation = try tx.conversation(conversationId)
            if conversation.status == .closed { throw AppError.conversationClosed }
            guard conversation.status == .agent else {
                throw AppError.conflict("The bot is still handling this conversation; only escalated conversations can be transferred.",
                                        code: "invalid_transition")
            }
            let holder = conversation.assignedAgentId
            guard holder == actor.id || actor.role == .admin else {
                throw AppError.forbidden("Only the agent holding this conversation, or an admin, can transfer it.", code: "not_holder")
            }
            var next: Agent?
            if case .agent(let id) = target {
                guard let agent = try tx.rows.agent(id: id) else { throw AppError.notFound("No agent \(id).", code: "agent_not_found") }
                guard !agent.integration else { throw AppError.personRequired }
                guard !agent.disabled else {
                    throw AppError.conflict("\(agent.displayName) cannot take chats (disabled).", code: "agent_unavailable")
                }
                if agent.id != holder, try tx.rows.activeChatCount(agentId: agent.id) >= agent.maxActiveChats,
                   !(force && actor.role == .admin) {
                    throw AppError.conflict("\(agent.displayName) already has \(agent.maxActiveChats) chats.", code: "agent_full")
                }
                next = agent
            }
            if let note { _ = try insertNote(conversationId, by: actor, content: note, tx) }
            // Already where it should go: the note (if any) is all that changes.
            guard next?.id != holder else { return try agentView(conversation, tx, viewer: actor) }

            if holder != nil { try tx.rows.setUnassigned(conversationId: conversationId, at: tx.now) }
            try tx.emit(.conversationTransferred(conversationId: conversationId, from: holder, to: next?.id))
            if let next {
                guard try tx.rows.assignIfFree(conversationId: conversationId, agentId: next.id, at: tx.now) else {
                    throw AppError.conflict("Another agent has just taken this conversation.", code: "already_claimed")
                }
                _ = try tx.systemMessage(conversationId, BotText.transferred(next.displayName), event: "transferred", agentId: next.id)
                try tx.emit(.agentAssigned(conversationId: conversationId, agent: AssignedAgent(id: next.id, displayName: next.displayName)))
                if holder == nil { try tx.emit(.queueChatClaimed(conversationId: conversationId, agentId: next.id)) }
            } else {
                _ = try tx.systemMessage(conversationId, BotText.released, event: "released")
                try tx.emit(.queueChatCreated(try tx.queueEntry(conversationId)))
            }
            let moved = try tx.conversation(conversationId)
            try tx.emit(.conversationUpdated(moved))
            return try agentView(moved, tx, viewer: actor)
        }
    }
}
