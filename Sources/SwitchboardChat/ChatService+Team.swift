import SwitchboardCore

/// The team: who is on it, their role, capacity and whether they may work; passwords.
/// Revoking an agent's sessions also emits `agent.session_revoked`, on which the notifier
/// ends that agent's open streams (through the outbox, so a notifier restart loses nothing).
extension ChatService {
    /// Every agent with their load, by display name; an invitation shows only while it works.
    public func team() throws -> [TeamMember] {
        let now = Timestamp.now()
        return try read { rows in
            try rows.team().map { member in
                var member = member
                if let expires = member.invitationExpiresAt, expires <= now { member.invitationExpiresAt = nil }
                return member
            }
        }
    }

    /// Changes an agent's display name, role, capacity or disabled flag. Disabling revokes
    /// the agent's tokens, ends their streams and takes them offline; the last enabled
    /// admin can be neither disabled nor demoted (409).
    public func updateAgent(id: String, _ patch: AgentPatch, by actor: AuditEntry.Actor) throws -> Agent {
        let displayName = try patch.displayName.map(Validate.displayName)
        let capacity = try patch.maxActiveChats.map(Validate.maxActiveChats)
        return try write { tx in
            let old = try Self.agent(id, tx)
            var agent = old
            agent.displayName = displayName ?? agent.displayName
            agent.role = patch.role ?? agent.role
            agent.maxActiveChats = capacity ?? agent.maxActiveChats
            agent.disabled = patch.disabled ?? agent.disabled
            guard agent != old else { return old }
            let losesAdmin = old.role == .admin && !old.disabled && (agent.role != .admin || agent.disabled)
            if losesAdmin, try tx.rows.activeAdminCount() <= 1 {
                throw AppError.conflict("\(old.username) is the last active admin; make another admin first.", code: "last_admin")
            }
            if agent.disabled && !old.disabled {
                agent.presence = .offline
                agent.awaySince = nil
            }
            agent.updatedAt = tx.now
            try tx.accounts.updateAgent(agent, at: tx.now)
            if agent.presence != old.presence || agent.awaySince != old.awaySince { try tx.emit(.agentPresenceChanged(agent)) }
            if agent.disabled && !old.disabled {
                try revokeSessions(of: agent.id, except: nil, tx)
                // A disabled agent is gone: nobody is left waiting on them.
                _ = try returnChats(of: agent, resolved(try tx.rows.settings() ?? .defaults), tx)
            }
            try tx.audit(actor, Self.action(old, agent), agent.id, Self.changes(from: old, to: agent))
            if routing == .auto && !agent.disabled && agent.presence == .online && agent.maxActiveChats > old.maxActiveChats {
                try assignWaitingChats(to: agent, tx)
            }
            try announceAvailability(tx)  // disabled, or room for more chats
            return agent
        }
    }

    /// An admin sets another agent's password; all that agent's sessions end.
    public func resetPassword(agentId: String, to password: String, by actor: AuditEntry.Actor) throws {
        let hash = try hasher.hash(try Validate.password(password))
        try write { tx in
            let agent = try Self.agent(agentId, tx)
            try replacePassword(of: agent.id, with: hash, tx)
            try revokeSessions(of: agent.id, except: nil, tx)
            try tx.audit(actor, "agent.password_reset", agent.id, ["username": agent.username])
        }
    }

    /// An agent changes their own password; their other sessions end, this one goes on.
    /// A wrong current password is a 403 (the caller's token is fine; the proof is not).
    public func changeOwnPassword(_ agent: Agent, token: String, current: String, new: String) throws {
        let newPassword = try Validate.password(new)
        guard let stored = try read({ try $0.passwordHash(agentId: agent.id) }), try hasher.verify(current, against: stored) else {
            throw AppError.forbidden("current_password: that is not your current password.", code: "wrong_password")
        }
        let hash = try hasher.hash(newPassword)
        try write { tx in
            try replacePassword(of: agent.id, with: hash, tx)
            try revokeSessions(of: agent.id, except: Secrets.sha256(token), tx)
        }
    }

    /// Revokes tokens and tells the notifier to end the agent's streams.
    func revokeSessions(of agentId: String, except: [UInt8]?, _ tx: Transaction) throws {
        try tx.accounts.revokeTokens(agentId: agentId, except: except, at: tx.now)
        try tx.emit(.agentSessionRevoked(agentId: agentId))
    }

    static func agent(_ id: String, _ tx: Transaction) throws -> Agent {
        // An API key's agent row is not a member of the team (API.md "API keys").
        guard let agent = try tx.rows.agent(id: id), !agent.integration else {
            throw AppError.notFound("No agent \(id).", code: "agent_not_found")
        }
        return agent
    }

    static func action(_ old: Agent, _ new: Agent) -> String {
        if new.disabled && !old.disabled { return "agent.disabled" }
        if !new.disabled && old.disabled { return "agent.enabled" }
        return "agent.updated"
    }

    static func changes(from old: Agent, to new: Agent) -> [String: String] {
        var changes: [String: String] = ["username": new.username]
        if old.displayName != new.displayName { changes["display_name"] = new.displayName }
        if old.role != new.role { changes["role"] = new.role.rawValue }
        if old.maxActiveChats != new.maxActiveChats { changes["max_active_chats"] = String(new.maxActiveChats) }
        if old.disabled != new.disabled { changes["disabled"] = String(new.disabled) }
        return changes
    }
}
