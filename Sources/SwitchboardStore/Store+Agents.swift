import Foundation
import GRDB
import SwitchboardCore

/// What a successful login returns.
public struct LoginResult: Sendable {
    public let token: String
    public let expiresAt: Timestamp
    public let agent: Agent
}

extension Store {
    /// Creates an agent. Username must be unused (409 otherwise).
    public func createAgent(username: String, password: String, displayName: String, role: AgentRole = .agent,
                            maxActiveChats: Int = 5, startOnline: Bool = false) throws -> Agent {
        let hash = try hasher.hash(password)
        return try write { db, outbox in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM agents WHERE username = ?", arguments: [username]) == true {
                throw AppError.conflict("The username \(username) is taken.", code: "username_taken")
            }
            let now = Timestamp.now().milliseconds
            let id = Store.newId()
            try db.execute(sql: """
                INSERT INTO agents (id, username, display_name, password_hash, role, presence, max_active_chats, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 'offline', ?, ?, ?)
                """, arguments: [id, username, displayName, hash, role.rawValue, maxActiveChats, now, now])
            if startOnline {
                return try setPresence(agentId: id, .online, db, &outbox)
            }
            return try Store.agent(id: id, db)!
        }
    }

    /// Replaces an agent's password and revokes its tokens.
    public func setPassword(username: String, password: String) throws {
        let hash = try hasher.hash(password)
        try pool.write { db in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM agents WHERE username = ?", arguments: [username]) else {
                throw AppError.notFound("No agent named \(username).", code: "agent_not_found")
            }
            let now = Timestamp.now().milliseconds
            try db.execute(sql: "UPDATE agents SET password_hash = ?, updated_at = ? WHERE id = ?", arguments: [hash, now, id])
            try db.execute(sql: "UPDATE access_tokens SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL", arguments: [now, id])
        }
    }

    public func agent(username: String) throws -> Agent? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Store.agentColumns) FROM agents WHERE username = ?", arguments: [username]).map(Store.agent)
        }
    }

    static func agent(id: String, _ db: Database) throws -> Agent? {
        try Row.fetchOne(db, sql: "SELECT \(agentColumns) FROM agents WHERE id = ?", arguments: [id]).map(agent)
    }

    /// Checks a password and issues a new access token (only its SHA-256 is stored).
    public func login(username: String, password: String) throws -> LoginResult? {
        let found = try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Store.agentColumns), password_hash FROM agents WHERE username = ?", arguments: [username])
                .map { (Store.agent($0), $0["password_hash"] as String) }
        }
        guard let (agent, hash) = found else {
            hasher.burn(password)
            return nil
        }
        guard hasher.verify(password, against: hash) else { return nil }
        let token = Secrets.token(prefix: "sbt_")
        let now = Timestamp.now()
        let expires = now.adding(seconds: tokenTTLSeconds)
        try pool.write { db in
            try db.execute(sql: "INSERT INTO access_tokens (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [Secrets.sha256(token), agent.id, now.milliseconds, expires.milliseconds])
            // Housekeeping: tokens that can no longer be used.
            try db.execute(sql: "DELETE FROM access_tokens WHERE agent_id = ? AND (expires_at < ? OR revoked_at IS NOT NULL)",
                           arguments: [agent.id, now.milliseconds - 86_400_000])
        }
        return LoginResult(token: token, expiresAt: expires, agent: agent)
    }

    /// The agent a bearer token belongs to, if the token is known, not expired and not revoked.
    public func authenticate(token: String) throws -> Agent? {
        guard !token.isEmpty, token.utf8.count <= 256 else { return nil }
        return try read { db in
            try Row.fetchOne(db, sql: """
                SELECT a.id, a.username, a.display_name, a.role, a.presence, a.max_active_chats, a.created_at, a.updated_at
                FROM access_tokens t JOIN agents a ON a.id = t.agent_id
                WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?
                """, arguments: [Secrets.sha256(token), Timestamp.now().milliseconds]).map(Store.agent)
        }
    }

    /// Revokes one token (logout).
    public func revoke(token: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                           arguments: [Timestamp.now().milliseconds, Secrets.sha256(token)])
        }
    }

    /// Sets an agent's presence; going online with `auto` routing takes waiting chats, oldest first.
    public func setPresence(agentId: String, _ presence: Presence) throws -> Agent {
        try write { db, outbox in try setPresence(agentId: agentId, presence, db, &outbox) }
    }

    func setPresence(agentId: String, _ presence: Presence, _ db: Database, _ outbox: inout Outbox) throws -> Agent {
        guard var agent = try Store.agent(id: agentId, db) else {
            throw AppError.notFound("Agent not found.", code: "agent_not_found")
        }
        if agent.presence != presence {
            let now = Timestamp.now()
            try db.execute(sql: "UPDATE agents SET presence = ?, updated_at = ? WHERE id = ?",
                           arguments: [presence.rawValue, now.milliseconds, agentId])
            agent.presence = presence
            agent.updatedAt = now
            try outbox.add(.agentPresenceChanged, .agents, conversationId: nil, .object([("agent", Views.agent(agent))]))
        }
        if presence == .online && routing == .auto {
            try assignWaitingChats(to: agent, db, &outbox)
        }
        return agent
    }
}
