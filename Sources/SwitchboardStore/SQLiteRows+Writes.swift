import Foundation
import GRDB
import SwitchboardCore

/// The writes of `StoreWriter`, each one statement.
extension SQLiteRows: StoreWriter {
    func insertConversation(_ c: Conversation, sessionHash: [UInt8]) throws {
        try db.execute(sql: """
            INSERT INTO conversations (id, session_hash, status, created_at, updated_at, customer_display_name, customer_email)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [c.id, Data(sessionHash), c.status.rawValue, c.createdAt.milliseconds, c.updatedAt.milliseconds,
                             c.customerDisplayName, c.customerEmail])
    }

    func setQueued(conversationId: String, at now: Timestamp) throws {
        try db.execute(sql: """
            UPDATE conversations SET status = 'agent', assigned_agent_id = NULL, requested_agent_at = ?, updated_at = ? WHERE id = ?
            """, arguments: [now.milliseconds, now.milliseconds, conversationId])
    }

    func assignIfFree(conversationId: String, agentId: String, at now: Timestamp) throws -> Bool {
        try db.execute(sql: """
            UPDATE conversations SET status = 'agent', assigned_agent_id = ?,
                requested_agent_at = COALESCE(requested_agent_at, ?), updated_at = ?
            WHERE id = ? AND assigned_agent_id IS NULL AND status != 'closed'
            """, arguments: [agentId, now.milliseconds, now.milliseconds, conversationId])
        return db.changesCount == 1
    }

    func setUnassigned(conversationId: String, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE conversations SET assigned_agent_id = NULL, updated_at = ? WHERE id = ?",
                       arguments: [now.milliseconds, conversationId])
    }

    func setClosed(conversationId: String, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE conversations SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?",
                       arguments: [now.milliseconds, now.milliseconds, conversationId])
    }

    func markAgentReplied(conversationId: String) throws {
        try db.execute(sql: "UPDATE conversations SET has_agent_replied = 1 WHERE id = ?", arguments: [conversationId])
    }

    func touch(conversationId: String, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE conversations SET updated_at = ? WHERE id = ?", arguments: [now.milliseconds, conversationId])
    }

    func insertMessage(_ m: Message, replyToSeq: Int64?) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO messages (id, conversation_id, sender_type, sender_agent_id, kind, content, metadata, client_message_id, reply_to_seq, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [m.id, m.conversationId, m.senderType.rawValue, m.senderAgentId, m.kind.rawValue, m.content,
                             try Records.encodeMetadata(m.metadata), m.clientMessageId, replyToSeq, m.createdAt.milliseconds])
        return db.lastInsertedRowID
    }

    func insertFAQ(_ f: FAQ) throws {
        try db.execute(sql: """
            INSERT INTO faqs (id, slug, question, answer, keywords, position, enabled, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [f.id, f.slug, f.question, f.answer, try WireJSON.string(f.keywords), f.position, f.enabled,
                             f.createdAt.milliseconds, f.updatedAt.milliseconds])
    }

    func updateFAQ(_ f: FAQ) throws {
        try db.execute(sql: """
            UPDATE faqs SET slug = ?, question = ?, answer = ?, keywords = ?, position = ?, enabled = ?, updated_at = ? WHERE id = ?
            """, arguments: [f.slug, f.question, f.answer, try WireJSON.string(f.keywords), f.position, f.enabled,
                             f.updatedAt.milliseconds, f.id])
    }

    func deleteFAQ(id: String) throws {
        try db.execute(sql: "DELETE FROM faqs WHERE id = ?", arguments: [id])
    }

    func saveSettings(_ settings: Settings, at now: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO settings (id, data, updated_at) VALUES (1, ?, ?)
            ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
            """, arguments: [try WireJSON.string(settings), now.milliseconds])
    }

    func appendAudit(actor: AuditEntry.Actor, action: String, target: String, data: AuditData, at now: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO audit_log (actor_id, actor_username, action, target, data, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [actor.id, actor.username, action, target, try WireJSON.string(data), now.milliseconds])
    }

    func insertAgent(_ a: Agent, passwordHash: String) throws {
        try db.execute(sql: """
            INSERT INTO agents (id, username, display_name, password_hash, role, presence, max_active_chats, disabled, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [a.id, a.username, a.displayName, passwordHash, a.role.rawValue, a.presence.rawValue,
                             a.maxActiveChats, a.disabled, a.createdAt.milliseconds, a.updatedAt.milliseconds])
    }

    func updateAgent(_ a: Agent, at now: Timestamp) throws {
        try db.execute(sql: """
            UPDATE agents SET display_name = ?, role = ?, max_active_chats = ?, disabled = ?, presence = ?, updated_at = ? WHERE id = ?
            """, arguments: [a.displayName, a.role.rawValue, a.maxActiveChats, a.disabled, a.presence.rawValue, now.milliseconds, a.id])
    }

    func setLastSeen(agentId: String, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE agents SET last_seen_at = ? WHERE id = ?", arguments: [now.milliseconds, agentId])
    }

    func setPresence(agentId: String, _ presence: Presence, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE agents SET presence = ?, updated_at = ? WHERE id = ?",
                       arguments: [presence.rawValue, now.milliseconds, agentId])
    }

    func setPasswordHash(agentId: String, _ hash: String, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE agents SET password_hash = ?, updated_at = ? WHERE id = ?", arguments: [hash, now.milliseconds, agentId])
    }

    func insertToken(hash: [UInt8], agentId: String, createdAt: Timestamp, expiresAt: Timestamp) throws {
        try db.execute(sql: "INSERT INTO access_tokens (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                       arguments: [Data(hash), agentId, createdAt.milliseconds, expiresAt.milliseconds])
    }

    func revokeToken(hash: [UInt8], at now: Timestamp) throws {
        try db.execute(sql: "UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                       arguments: [now.milliseconds, Data(hash)])
    }

    func revokeTokens(agentId: String, except: [UInt8]?, at now: Timestamp) throws {
        try db.execute(sql: "UPDATE access_tokens SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL AND token_hash IS NOT ?",
                       arguments: [now.milliseconds, agentId, except.map { Data($0) }])
    }

    func deleteDeadTokens(agentId: String, before: Timestamp) throws {
        try db.execute(sql: "DELETE FROM access_tokens WHERE agent_id = ? AND (expires_at < ? OR revoked_at IS NOT NULL)",
                       arguments: [agentId, before.milliseconds])
    }

    func setLoginThrottle(username: String, _ throttle: LoginThrottle?) throws {
        guard let throttle else {
            try db.execute(sql: "DELETE FROM login_throttle WHERE username = ?", arguments: [username])
            return
        }
        try db.execute(sql: """
            INSERT INTO login_throttle (username, failures, blocked_until, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until,
                updated_at = excluded.updated_at
            """, arguments: [username, throttle.failures, throttle.blockedUntil.milliseconds, throttle.updatedAt.milliseconds])
    }

    func trust(username: String, clientKey: [UInt8], at now: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO login_trusted (username, client_key, last_success_at) VALUES (?, ?, ?)
            ON CONFLICT(username, client_key) DO UPDATE SET last_success_at = excluded.last_success_at
            """, arguments: [username, Data(clientKey), now.milliseconds])
    }

    func setClientKey(conversationId: String, _ key: [UInt8]) throws {
        try db.execute(sql: "UPDATE conversations SET client_key = ? WHERE id = ?", arguments: [Data(key), conversationId])
    }

    func appendEvent(name: String, audience: EventAudience, conversationId: String?, data: String, at now: Timestamp) throws {
        try db.execute(sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [name, audience.rawValue, conversationId, data, now.milliseconds])
        job?.appendedEvents = true
    }
}
