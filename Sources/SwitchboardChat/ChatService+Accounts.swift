import SwitchboardCore

/// What a successful login returns.
public struct LoginResult: Sendable {
    public let token: String
    public let expiresAt: Timestamp
    public let agent: Agent
}

/// Agent accounts: creation, passwords, tokens, presence. Passwords are hashed outside
/// the write transaction (scrypt takes ~100 ms and must not hold the writer).
extension ChatService {
    /// Creates an agent. Username must be unused (409 otherwise).
    public func createAgent(username: String, password: String, displayName: String, role: AgentRole = .agent,
                            maxActiveChats: Int = 5, startOnline: Bool = false, by actor: AuditEntry.Actor? = nil) throws -> Agent {
        let hash = try hasher.hash(password)
        return try write { tx in
            if try tx.rows.agent(username: username) != nil {
                throw AppError.conflict("The username \(username) is taken.", code: "username_taken")
            }
            let agent = Agent(id: Identifiers.uuid(), username: username, displayName: displayName, role: role,
                              presence: .offline, maxActiveChats: maxActiveChats, createdAt: tx.now, updatedAt: tx.now)
            try tx.rows.insertAgent(agent, passwordHash: hash)
            if let actor {
                try tx.audit(actor, "agent.created", agent.id,
                             ["username": username, "role": role.rawValue, "max_active_chats": String(maxActiveChats)])
            }
            return startOnline ? try setPresence(agent, .online, tx) : agent
        }
    }

    /// Replaces an agent's password and revokes its tokens.
    public func setPassword(username: String, password: String) throws {
        let hash = try hasher.hash(password)
        try write { tx in
            guard let agent = try tx.rows.agent(username: username) else {
                throw AppError.notFound("No agent named \(username).", code: "agent_not_found")
            }
            try tx.rows.setPasswordHash(agentId: agent.id, hash, at: tx.now)
            try revokeSessions(of: agent.id, except: nil, tx)
        }
    }

    public func agent(username: String) throws -> Agent? {
        try read { try $0.agent(username: username) }
    }

    /// Checks a password and issues a new access token (only its SHA-256 is stored). An
    /// unknown username costs the same hashing time as a wrong password.
    public func login(username: String, password: String) throws -> LoginResult? {
        let found = try read { rows -> (Agent, String)? in
            guard let agent = try rows.agent(username: username), let hash = try rows.passwordHash(agentId: agent.id) else { return nil }
            return (agent, hash)
        }
        guard let (agent, hash) = found else {
            hasher.burn(password)
            return nil
        }
        // A disabled account answers exactly like a wrong password, after the same hashing work.
        guard hasher.verify(password, against: hash), !agent.disabled else { return nil }
        let token = Secrets.token(prefix: "sbt_")
        return try write { tx in
            let expires = tx.now.adding(seconds: tokenTTLSeconds)
            try tx.rows.setLastSeen(agentId: agent.id, at: tx.now)
            try tx.rows.insertToken(hash: Secrets.sha256(token), agentId: agent.id, createdAt: tx.now, expiresAt: expires)
            // Housekeeping: tokens that can no longer be used.
            try tx.rows.deleteDeadTokens(agentId: agent.id, before: tx.now.adding(seconds: -86_400))
            return LoginResult(token: token, expiresAt: expires, agent: agent)
        }
    }

    /// The agent a bearer token belongs to, if the token is known, not expired, not revoked
    /// and the agent is enabled. Refreshes `last_seen_at` when it is over a minute old (so a
    /// busy console costs one write a minute, not one per request).
    public func authenticate(token: String) throws -> Agent? {
        guard !token.isEmpty, token.utf8.count <= 256 else { return nil }
        let now = Timestamp.now()
        guard var agent = try read({ try $0.agent(tokenHash: Secrets.sha256(token), now: now) }) else { return nil }
        if (agent.lastSeenAt?.milliseconds ?? 0) < now.milliseconds - 60_000 {
            try write { tx in try tx.rows.setLastSeen(agentId: agent.id, at: tx.now) }
            agent.lastSeenAt = now
        }
        return agent
    }

    /// Revokes one token (logout).
    public func revoke(token: String) throws {
        try write { tx in try tx.rows.revokeToken(hash: Secrets.sha256(token), at: tx.now) }
    }

    /// Sets an agent's presence; going online with `auto` routing takes waiting chats, oldest first.
    public func setPresence(agentId: String, _ presence: Presence) throws -> Agent {
        try write { tx in
            guard let agent = try tx.rows.agent(id: agentId) else {
                throw AppError.notFound("Agent not found.", code: "agent_not_found")
            }
            return try setPresence(agent, presence, tx)
        }
    }

    private func setPresence(_ agent: Agent, _ presence: Presence, _ tx: Transaction) throws -> Agent {
        var agent = agent
        if agent.presence != presence {
            try tx.rows.setPresence(agentId: agent.id, presence, at: tx.now)
            agent.presence = presence
            agent.updatedAt = tx.now
            try tx.emit(.agentPresenceChanged(agent))
        }
        if presence == .online && routing == .auto {
            try assignWaitingChats(to: agent, tx)
        }
        return agent
    }
}
