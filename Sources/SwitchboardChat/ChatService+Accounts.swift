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
    /// Creates an agent. Username must be unused (409 otherwise). Without a password no
    /// password signs them in until they choose one through an invitation (`invite`, which
    /// needs their `email` and the desk's e-mail: nobody is created otherwise).
    public func createAgent(username: String, password: String?, displayName: String, role: AgentRole = .agent,
                            maxActiveChats: Int = 5, startOnline: Bool = false, email: String? = nil, invite: Bool = false,
                            by actor: AuditEntry.Actor? = nil) throws -> Agent {
        if invite {
            guard email != nil else { throw AppError.badRequest("email: an invitation needs the agent's e-mail address.", code: "invalid_email") }
            try requireMail()
        }
        guard password != nil || invite else {
            throw AppError.badRequest("password: required unless the agent is invited by e-mail.", code: "invalid_password")
        }
        let hash = try password.map { try hasher.hash($0) } ?? PasswordHasher.unusable
        return try write { tx in
            if try tx.rows.agent(username: username) != nil {
                throw AppError.conflict("The username \(username) is taken.", code: "username_taken")
            }
            var agent = Agent(id: Identifiers.uuid(), username: username, displayName: displayName, role: role,
                              presence: .offline, maxActiveChats: maxActiveChats, createdAt: tx.now, updatedAt: tx.now)
            try tx.accounts.insertAgent(agent, passwordHash: hash)
            if let email {
                agent.email = email
                try tx.accounts.updateAgent(agent, at: tx.now)
            }
            if let actor {
                try tx.audit(actor, "agent.created", agent.id,
                             ["username": username, "role": role.rawValue, "max_active_chats": String(maxActiveChats)])
            }
            if invite { _ = try sendInvitation(agent, by: actor ?? .cli, tx) }
            return startOnline ? try setPresence(agent, .online, tx) : agent
        }
    }

    /// Replaces an agent's password and revokes its tokens; `demo` marks a demo account whose
    /// password the seed printed (the sign-in page says so only while one exists).
    public func setPassword(username: String, password: String, demo: Bool = false) throws {
        let hash = try hasher.hash(password)
        try write { tx in
            guard let agent = try tx.rows.agent(username: username), !agent.integration else {
                throw AppError.notFound("No agent named \(username).", code: "agent_not_found")
            }
            try replacePassword(of: agent.id, with: hash, tx)
            try revokeSessions(of: agent.id, except: nil, tx)
            if demo { try tx.accounts.setDemo(agentId: agent.id, true) }
        }
    }

    /// A new password hash; the agent's unused links end and the account is no demo account
    /// any more (its printed password is gone).
    func replacePassword(of agentId: String, with hash: String, _ tx: Transaction) throws {
        try tx.accounts.setPasswordHash(agentId: agentId, hash, at: tx.now)
        try tx.accounts.endPasswordLinks(agentId: agentId, purpose: nil, at: tx.now)
    }

    /// Marks the account `switchboard seed` just made as a demo account.
    public func markDemo(username: String) throws {
        try write { tx in
            if let agent = try tx.rows.agent(username: username) { try tx.accounts.setDemo(agentId: agent.id, true) }
        }
    }

    public func agent(username: String) throws -> Agent? {
        try read { try $0.agent(username: username) }
    }

    /// Checks a password and issues a new access token (only its SHA-256 is stored). An
    /// unknown username costs the same hashing work as a wrong password and gets the same
    /// answer. After `policy.loginFailuresBeforeBackoff` failures in a row a username makes
    /// clients it has never signed in from wait (1 s, 2 s, 4 s … 15 min: 429 with
    /// Retry-After, no password checked); a client that signed in as it before is never
    /// held back, so an attacker cannot lock a real agent out.
    public func login(username: String, password: String, client: String = "") throws -> LoginResult? {
        let now = Timestamp.now()
        let (found, throttle, key, trusted) = try read { rows -> ((Agent, String)?, LoginThrottle?, [UInt8], Bool) in
            let key = try clientKey(client, rows)
            let agent = try rows.agent(username: username)
            let hash = try agent.flatMap { try rows.passwordHash(agentId: $0.id) }
            return (agent.flatMap { a in hash.map { (a, $0) } }, try rows.loginThrottle(username: username), key,
                    try rows.isTrusted(username: username, clientKey: key))
        }
        if !trusted, let throttle, throttle.blockedUntil > now {
            let wait = (throttle.blockedUntil.milliseconds - now.milliseconds + 999) / 1000
            throw AppError(status: 429, code: "login_throttled",
                           detail: "Too many failed sign-ins for this account; try again in \(wait) seconds.", retryAfter: Int(wait))
        }
        // A disabled account answers exactly like a wrong password, after the same hashing work.
        let verified: Bool
        if let (agent, hash) = found {
            verified = try hasher.verify(password, against: hash) && !agent.disabled
        } else {
            try hasher.burn(password)
            verified = false
        }
        guard verified, let agent = found?.0 else {
            try recordFailure(username, previous: throttle)
            return nil
        }
        return try write { tx in try startSession(agent, clientKey: key, tx) }
    }

    /// A new access token for an agent who proved who they are (a password, or a link from
    /// their e-mail): failed sign-ins forgotten, this client trusted for the username.
    func startSession(_ agent: Agent, clientKey key: [UInt8], _ tx: Transaction) throws -> LoginResult {
        let token = Secrets.token(prefix: "sbt_")
        let expires = tx.now.adding(seconds: tokenTTLSeconds)
        try tx.accounts.setLastSeen(agentId: agent.id, at: tx.now)
        try tx.accounts.insertToken(hash: Secrets.sha256(token), agentId: agent.id, createdAt: tx.now, expiresAt: expires)
        // Housekeeping: tokens that can no longer be used.
        try tx.accounts.deleteDeadTokens(agentId: agent.id, before: tx.now.adding(seconds: -86_400))
        try tx.rows.setLoginThrottle(username: agent.username, nil)
        try tx.rows.trust(username: agent.username, clientKey: key, at: tx.now)
        return LoginResult(token: token, expiresAt: expires, agent: agent)
    }

    /// Counts a failed login; failures older than a day are forgotten.
    private func recordFailure(_ username: String, previous: LoginThrottle?) throws {
        try write { tx in
            let current = try tx.rows.loginThrottle(username: username) ?? previous
            let recent = current.map { $0.updatedAt.milliseconds > tx.now.milliseconds - 86_400_000 } ?? false
            let failures = (recent ? current?.failures ?? 0 : 0) + 1
            let wait = policy.backoffSeconds(afterFailures: failures)
            try tx.rows.setLoginThrottle(username: username, LoginThrottle(failures: failures, blockedUntil: tx.now.adding(seconds: wait),
                                                                           updatedAt: tx.now))
        }
    }

    /// The agent a bearer token belongs to, if the token is known, not expired, not revoked
    /// and the agent is enabled. Refreshes `last_seen_at` when it is over a minute old (so a
    /// busy console costs one write a minute, not one per request).
    public func authenticate(token: String) throws -> Agent? {
        guard !token.isEmpty, token.utf8.count <= 256 else { return nil }
        let now = Timestamp.now()
        let hash = Secrets.sha256(token)
        guard let agent = try caches.tokens.get(hash, { try read { try Self.agent(token: token, hash: hash, now: now, $0) } }) else {
            return nil
        }
        return try seen(agent, now: now)
    }

    /// The agent behind a token in one read: a session token, or (`sbk_`) an API key acting
    /// through its integration's agent row (API.md "API keys").
    static func agent(token: String, hash: [UInt8], now: Timestamp, _ rows: any StoreReader) throws -> Agent? {
        token.hasPrefix(ApiKeys.prefix) ? try rows.agent(apiKeyHash: hash) : try rows.agent(tokenHash: hash, now: now)
    }

    /// Records that the agent was seen (at most once a minute: it costs a write).
    func seen(_ agent: Agent, now: Timestamp) throws -> Agent {
        guard (agent.lastSeenAt?.milliseconds ?? 0) < now.milliseconds - 60_000 else { return agent }
        var agent = agent
        try write { tx in try tx.accounts.setLastSeen(agentId: agent.id, at: tx.now) }
        agent.lastSeenAt = now
        return agent
    }

    /// Revokes one token (logout). The agent's open streams end too (their other tabs
    /// reconnect with their own, still valid, tokens; this one's gets its 401).
    public func revoke(token: String, of agent: Agent) throws {
        try write { tx in
            try tx.accounts.revokeToken(hash: Secrets.sha256(token), at: tx.now)
            try tx.emit(.agentSessionRevoked(agentId: agent.id))
        }
    }

    /// Sets an agent's presence; going online with `auto` routing takes waiting chats, oldest first.
    /// Going online by hand with no console open starts afresh: what was recorded about closed
    /// consoles is forgotten, so the agent keeps this presence like any REST client until a
    /// console opens again.
    public func setPresence(agentId: String, _ presence: Presence) throws -> Agent {
        try write { tx in
            guard let agent = try tx.rows.agent(id: agentId) else {
                throw AppError.notFound("Agent not found.", code: "agent_not_found")
            }
            guard !agent.integration else { throw AppError.personRequired }
            if presence == .online, let stream = try tx.rows.streamPresence(.agent(agentId)), !stream.open {
                try tx.rows.forgetStreamPresence(.agent(agentId))
            }
            return try setPresence(agent, presence, tx)
        }
    }

    /// A change of presence (a manual one when `awaySince` is nil: it clears any automatic away).
    func setPresence(_ agent: Agent, _ presence: Presence, _ tx: Transaction, awaySince: Timestamp? = nil) throws -> Agent {
        var agent = agent
        if agent.presence != presence || agent.awaySince != awaySince {
            try tx.accounts.setPresence(agentId: agent.id, presence, awaySince: awaySince, at: tx.now)
            agent.presence = presence
            agent.awaySince = awaySince
            agent.updatedAt = tx.now
            try tx.emit(.agentPresenceChanged(agent))
            // The customers of the agent's open chats see who holds them, present or not.
            for (chat, _) in try tx.rows.conversations(ConversationQuery(status: .agent, assigned: .to(agentId: agent.id),
                                                                         order: .recentActivity, limit: 1000)) {
                try tx.emit(.conversationUpdated(chat))
            }
        }
        if presence == .online && routing == .auto {
            try assignWaitingChats(to: agent, tx)
        }
        try announceAvailability(tx)
        return agent
    }
}
