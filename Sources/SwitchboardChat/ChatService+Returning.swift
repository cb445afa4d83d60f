import SwitchboardCore

/// Chats nobody holds (API.md): an agent who signs out, or whose consoles have been gone
/// for `routing.return_after_minutes`, gives their open chats back, so no shopper waits on
/// someone who left.
extension ChatService {
    /// Signs an agent's session out; with `returnChats` the agent goes offline and their open
    /// chats go back to the queue (or, with `auto` routing, to the least-loaded online agent).
    public func logout(token: String, of agent: Agent, returnChats: Bool) throws {
        let settings = try shopSettings()
        try write { tx in
            try tx.accounts.revokeToken(hash: Secrets.sha256(token), at: tx.now)
            try tx.emit(.agentSessionRevoked(agentId: agent.id))
            guard returnChats, let current = try tx.rows.agent(id: agent.id) else { return }
            let away = try setPresence(current, .offline, tx)
            _ = try self.returnChats(of: away, settings, tx)
        }
    }

    /// Returns the open chats of agents whose consoles have all been closed for longer than
    /// the shop's `routing.return_after_minutes` (0: never). Returns how many went back.
    @discardableResult
    public func returnStrandedChats(now: Timestamp = .now()) throws -> Int {
        let settings = try shopSettings()
        let minutes = settings.routing.returnAfterMinutes
        guard minutes > 0 else { return 0 }
        let horizon = now.adding(seconds: -Int64(minutes) * 60)
        // Offline, and every console closed since before the horizon: whether the presence
        // sweep set them offline (away_since) or they did it by hand and then left. An agent
        // who never opened a console (a REST client) has no stream record and keeps theirs.
        func stranded(_ rows: any StoreReader) throws -> [Agent] {
            let streams = try rows.agentStreams()
            return try rows.team().compactMap { member in
                let agent = member.agent
                guard member.activeChats > 0, agent.presence == .offline, let stream = streams[agent.id], !stream.open,
                      stream.changedAt <= horizon else { return nil }
                return agent
            }
        }
        guard try !read(stranded).isEmpty else { return 0 }
        return try write { tx in
            try stranded(tx.rows).reduce(0) { $0 + (try returnChats(of: $1, settings, tx)) }
        }
    }

    /// Gives every open chat `agent` holds back: one system message, then the queue or,
    /// with `auto` routing, the least-loaded online agent with room.
    func returnChats(of agent: Agent, _ settings: Settings, _ tx: Transaction) throws -> Int {
        let held = try tx.rows.conversations(ConversationQuery(status: .agent, assigned: .to(agentId: agent.id), order: .oldestRequest,
                                                               limit: Limits.maxActiveChatsRange.upperBound * 10))
        for (chat, _) in held {
            try tx.rows.setUnassigned(conversationId: chat.id, at: tx.now)
            let someone = try Self.status(settings, tx.rows, tx.now) == .online
            let text = someone ? BotText.returned(agent.displayName) : settings.availability.awayMessage
            _ = try tx.systemMessage(chat.id, text, event: "returned")
            if someone, routing == .auto, let next = try tx.rows.leastLoadedOnlineAgent() {
                _ = try transition(chat.id, .route(agentId: next.id), tx)
            } else {
                try tx.emit(.queueChatCreated(try tx.queueEntry(chat.id)))
                try tx.emit(.conversationUpdated(try tx.conversation(chat.id)))
            }
        }
        return held.count
    }
}

extension ChatService {
    /// Announces availability when it differs from what this process announced last (an
    /// agent came or went, the hours began or ended): `availability.changed` reaches every
    /// open widget's stream. The chores call it every second; several worker processes may
    /// each announce a change once.
    @discardableResult
    public func announceAvailability(now: Timestamp = .now()) throws -> Availability? {
        let settings = try shopSettings()
        let current = try read { try Self.availability(settings: settings, $0, now, mailEnabled: policy.mailEnabled) }
        guard caches.announcedAvailability.swap(Self.shown(current)) != Self.shown(current) else { return nil }
        try write { tx in try tx.emit(.availabilityChanged(current)) }
        return current
    }

    /// The same, inside a write that changed presence: the change and its announcement
    /// commit together, so a flap between two of the chores' looks is not lost.
    func announceAvailability(_ tx: Transaction) throws {
        let settings = resolved(try tx.rows.settings() ?? .defaults)
        let current = try Self.availability(settings: settings, tx.rows, tx.now, mailEnabled: policy.mailEnabled)
        guard caches.announcedAvailability.swap(Self.shown(current)) != Self.shown(current) else { return }
        try tx.emit(.availabilityChanged(current))
    }

    /// What a widget shows of availability: the typical reply time drifts and is not worth an event.
    static func shown(_ availability: Availability) -> Availability {
        var shown = availability
        shown.typicalReplySeconds = nil
        return shown
    }
}
