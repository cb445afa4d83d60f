import SwitchboardCore

/// Presence that follows reality: the notifier records when an agent's first console stream
/// opens and their last one closes; an agent online whose streams have all been closed for
/// `presenceGraceSeconds` goes offline (marked `away_since`, with an event like a manual
/// change), and comes back online when a console opens again, only if it went away that
/// way. An agent who never had a console stream (a REST client) is left as they set it.
extension ChatService {
    /// One pass; returns the agents whose presence changed.
    @discardableResult
    public func sweepPresence(now: Timestamp = .now()) throws -> [Agent] {
        let grace = policy.presenceGraceSeconds
        func changes(_ rows: any StoreReader, _ now: Timestamp) throws -> [(Agent, StreamPresence)] {
            let streams = try rows.agentStreams()
            guard !streams.isEmpty else { return [] }
            return try rows.team().compactMap { member in
                let agent = member.agent
                guard !agent.disabled, let stream = streams[agent.id] else { return nil }
                let gone = agent.presence == .online && !stream.open && stream.changedAt <= now.adding(seconds: -grace)
                let back = agent.presence == .offline && agent.awaySince != nil && stream.open
                return gone || back ? (agent, stream) : nil
            }
        }
        guard try !read({ try changes($0, now) }).isEmpty else { return [] }
        return try write { tx in
            try changes(tx.rows, now).map { agent, stream in
                stream.open ? try setPresence(agent, .online, tx) : try setPresence(agent, .offline, tx, awaySince: stream.changedAt)
            }
        }
    }

    /// An agent changes their own name, e-mail or e-mail notifications.
    public func updateProfile(_ agent: Agent, _ patch: ProfilePatch) throws -> Agent {
        let displayName = try patch.displayName.map(Validate.displayName)
        let email: String?? = try patch.email.map { try $0.map { try Validate.email($0) } }
        return try write { tx in
            var updated = try Self.agent(agent.id, tx)
            let old = updated
            updated.displayName = displayName ?? updated.displayName
            if let email { updated.email = email }
            updated.emailNotifications = patch.emailNotifications ?? updated.emailNotifications
            if updated.email == nil && updated.emailNotifications {
                // Clearing the address turns its notifications off; asking for them without one is an error.
                guard patch.emailNotifications != true else {
                    throw AppError.badRequest("email_notifications: give an e-mail address first.", code: "invalid_email")
                }
                updated.emailNotifications = false
            }
            guard updated != old else { return old }
            updated.updatedAt = tx.now
            try tx.accounts.updateAgent(updated, at: tx.now)
            return updated
        }
    }
}
