import Foundation
import GRDB
import SwitchboardCore

/// The writes of `StoreWriter`, each one statement.
extension SQLiteRows: StoreWriter {
    func insertConversation(_ c: Conversation, sessionHash: [UInt8]) throws {
        try db.cachedStatement(sql: """
            INSERT INTO conversations (id, session_hash, status, created_at, updated_at, customer_display_name, customer_email,
                contact_source, contact_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [c.id, Data(sessionHash), c.status.rawValue, c.createdAt.milliseconds, c.updatedAt.milliseconds,
                             c.customerDisplayName, c.customerEmail, c.contactSource?.rawValue, c.contactId])
    }

    func setQueued(conversationId: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE conversations SET status = 'agent', assigned_agent_id = NULL, requested_agent_at = ?, updated_at = ?,
                awaiting_since = COALESCE(awaiting_since, ?) WHERE id = ?
            """).execute(arguments: [now.milliseconds, now.milliseconds, now.milliseconds, conversationId])
    }

    func assignIfFree(conversationId: String, agentId: String, at now: Timestamp) throws -> Bool {
        try db.cachedStatement(sql: """
            UPDATE conversations SET status = 'agent', assigned_agent_id = ?,
                requested_agent_at = COALESCE(requested_agent_at, ?), updated_at = ?
            WHERE id = ? AND assigned_agent_id IS NULL AND status != 'closed'
            """).execute(arguments: [agentId, now.milliseconds, now.milliseconds, conversationId])
        return db.changesCount == 1
    }

    func setContact(conversationId: String, displayName: String?, email: String, source: ContactSource, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE conversations SET customer_display_name = COALESCE(?, customer_display_name), customer_email = ?,
                contact_source = ?, updated_at = ? WHERE id = ?
            """).execute(arguments: [displayName, email, source.rawValue, now.milliseconds, conversationId])
    }

    func setUnassigned(conversationId: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE conversations SET assigned_agent_id = NULL, updated_at = ? WHERE id = ?")
            .execute(arguments: [now.milliseconds, conversationId])
    }

    func setClosed(conversationId: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE conversations SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [now.milliseconds, now.milliseconds, conversationId])
    }

    func setOffline(conversationId: String) throws {
        try db.cachedStatement(sql: "UPDATE conversations SET offline = 1 WHERE id = ?").execute(arguments: [conversationId])
    }

    func setTranscriptRequested(conversationId: String) throws {
        try db.cachedStatement(sql: "UPDATE conversations SET transcript_requested = 1 WHERE id = ?").execute(arguments: [conversationId])
    }

    func markAgentReplied(conversationId: String, agentId: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE conversations SET has_agent_replied = 1, first_response_at = ?, first_response_agent_id = ? WHERE id = ?
            """).execute(arguments: [now.milliseconds, agentId, conversationId])
    }

    func insertRating(conversationId: String, closedAt: Timestamp, _ rating: Rating) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO ratings (conversation_id, closed_at, score, comment, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [conversationId, closedAt.milliseconds, rating.score, rating.comment, rating.createdAt.milliseconds])
        guard db.changesCount > 0 else { return false }
        // The current closing's score, where reports read it (a reopening would clear it).
        try db.cachedStatement(sql: "UPDATE conversations SET rating_score = ? WHERE id = ? AND closed_at = ?")
            .execute(arguments: [rating.score, conversationId, closedAt.milliseconds])
        return true
    }

    func setReadCursor(agentId: String, conversationId: String, seq: Int64, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO read_cursors (agent_id, conversation_id, seq, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (agent_id, conversation_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
            """).execute(arguments: [agentId, conversationId, seq, now.milliseconds])
    }

    func touch(conversationId: String, at now: Timestamp, sender: SenderType) throws {
        // One statement as before: the customer starts waiting (unless already), an agent ends it.
        try db.cachedStatement(sql: """
            UPDATE conversations SET updated_at = ?,
                awaiting_since = CASE ? WHEN 'customer' THEN COALESCE(awaiting_since, ?) WHEN 'agent' THEN NULL ELSE awaiting_since END
            WHERE id = ?
            """).execute(arguments: [now.milliseconds, sender.rawValue, now.milliseconds, conversationId])
    }

    func insertMessage(_ m: Message, replyToSeq: Int64?) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO messages (id, conversation_id, sender_type, sender_agent_id, kind, content, metadata, client_message_id, reply_to_seq,
                                  created_at, attachments)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [m.id, m.conversationId, m.senderType.rawValue, m.senderAgentId, m.kind.rawValue, m.content,
                             try Records.encodeMetadata(m.metadata), m.clientMessageId, replyToSeq, m.createdAt.milliseconds,
                             try Records.encodeAttachments(m.attachments)])
        return db.lastInsertedRowID
    }

    func insertFAQ(_ f: FAQ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO faqs (id, slug, question, answer, keywords, position, enabled, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [f.id, f.slug, f.question, f.answer, try WireJSON.string(f.keywords), f.position, f.enabled,
                             f.createdAt.milliseconds, f.updatedAt.milliseconds])
    }

    func updateFAQ(_ f: FAQ) throws {
        try db.cachedStatement(sql: """
            UPDATE faqs SET slug = ?, question = ?, answer = ?, keywords = ?, position = ?, enabled = ?, updated_at = ? WHERE id = ?
            """).execute(arguments: [f.slug, f.question, f.answer, try WireJSON.string(f.keywords), f.position, f.enabled,
                             f.updatedAt.milliseconds, f.id])
    }

    func deleteFAQ(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM faqs WHERE id = ?").execute(arguments: [id])
    }

    func saveSettings(_ settings: Settings, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO settings (id, data, updated_at) VALUES (1, ?, ?)
            ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
            """).execute(arguments: [try WireJSON.string(settings), now.milliseconds])
    }

    func appendAudit(actor: AuditEntry.Actor, action: String, target: String, data: AuditData, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (actor_id, actor_username, actor_integration, action, target, data, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [actor.id, actor.username, actor.integration, action, target, try WireJSON.string(data),
                                     now.milliseconds])
    }

    func insertAgent(_ a: Agent, passwordHash: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO agents (id, username, display_name, password_hash, role, presence, max_active_chats, disabled, created_at,
                                updated_at, integration)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [a.id, a.username, a.displayName, passwordHash, a.role.rawValue, a.presence.rawValue,
                             a.maxActiveChats, a.disabled, a.createdAt.milliseconds, a.updatedAt.milliseconds, a.integration])
    }

    func updateAgent(_ a: Agent, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE agents SET display_name = ?, role = ?, max_active_chats = ?, disabled = ?, presence = ?, away_since = ?,
                email = ?, email_notifications = ?, updated_at = ? WHERE id = ?
            """).execute(arguments: [a.displayName, a.role.rawValue, a.maxActiveChats, a.disabled, a.presence.rawValue,
                             a.awaySince?.milliseconds, a.email, a.emailNotifications, now.milliseconds, a.id])
    }

    func setLastSeen(agentId: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE agents SET last_seen_at = ? WHERE id = ?").execute(arguments: [now.milliseconds, agentId])
    }

    func setPresence(agentId: String, _ presence: Presence, awaySince: Timestamp?, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE agents SET presence = ?, away_since = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [presence.rawValue, awaySince?.milliseconds, now.milliseconds, agentId])
    }

    func setPasswordHash(agentId: String, _ hash: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE agents SET password_hash = ?, demo = 0, updated_at = ? WHERE id = ?").execute(arguments: [hash, now.milliseconds, agentId])
    }

    func insertToken(hash: [UInt8], agentId: String, createdAt: Timestamp, expiresAt: Timestamp) throws {
        try db.cachedStatement(sql: "INSERT INTO access_tokens (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [Data(hash), agentId, createdAt.milliseconds, expiresAt.milliseconds])
    }

    func revokeToken(hash: [UInt8], at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL")
            .execute(arguments: [now.milliseconds, Data(hash)])
    }

    func revokeTokens(agentId: String, except: [UInt8]?, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE access_tokens SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL AND token_hash IS NOT ?")
            .execute(arguments: [now.milliseconds, agentId, except.map { Data($0) }])
    }

    func deleteDeadTokens(agentId: String, before: Timestamp) throws {
        try db.cachedStatement(sql: "DELETE FROM access_tokens WHERE agent_id = ? AND (expires_at < ? OR revoked_at IS NOT NULL)")
            .execute(arguments: [agentId, before.milliseconds])
    }

    func setLoginThrottle(username: String, _ throttle: LoginThrottle?) throws {
        guard let throttle else {
            try db.cachedStatement(sql: "DELETE FROM login_throttle WHERE username = ?").execute(arguments: [username])
            return
        }
        try db.cachedStatement(sql: """
            INSERT INTO login_throttle (username, failures, blocked_until, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until,
                updated_at = excluded.updated_at
            """).execute(arguments: [username, throttle.failures, throttle.blockedUntil.milliseconds, throttle.updatedAt.milliseconds])
    }

    func trust(username: String, clientKey: [UInt8], at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO login_trusted (username, client_key, last_success_at) VALUES (?, ?, ?)
            ON CONFLICT(username, client_key) DO UPDATE SET last_success_at = excluded.last_success_at
            """).execute(arguments: [username, Data(clientKey), now.milliseconds])
    }

    func setClientKey(conversationId: String, _ key: [UInt8]) throws {
        try db.cachedStatement(sql: "UPDATE conversations SET client_key = ? WHERE id = ?").execute(arguments: [Data(key), conversationId])
    }

    func appendEvent(name: String, audience: EventAudience, conversationId: String?, data: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [name, audience.rawValue, conversationId, data, now.milliseconds])
        job?.appendedEvents = true
    }

    func insertEmail(_ e: OutgoingEmail) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO emails (kind, conversation_id, recipient, reply_to, subject, body, state, not_before, attempts, last_error,
                anchor_seq, created_at, sent_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [e.kind.rawValue, e.conversationId, e.recipient, e.replyTo, e.subject, e.body, e.state.rawValue,
                             e.notBefore.milliseconds, e.attempts, e.lastError, e.anchorSeq, e.createdAt.milliseconds,
                             e.sentAt?.milliseconds])
        return db.lastInsertedRowID
    }

    func updateEmail(_ e: OutgoingEmail) throws {
        try db.cachedStatement(sql: """
            UPDATE emails SET reply_to = ?, subject = ?, body = ?, state = ?, not_before = ?, attempts = ?, last_error = ?, sent_at = ?
            WHERE id = ?
            """).execute(arguments: [e.replyTo, e.subject, e.body, e.state.rawValue, e.notBefore.milliseconds, e.attempts, e.lastError,
                             e.sentAt?.milliseconds, e.id])
    }

    func setStreamPresence(_ subject: StreamPresence.Subject, open: Bool, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO stream_presence (subject, open, changed_at) VALUES (?, ?, ?)
            ON CONFLICT (subject) DO UPDATE SET open = excluded.open, changed_at = excluded.changed_at
            """).execute(arguments: [subject.key, open, now.milliseconds])
    }

    func forgetStreamPresence(_ subject: StreamPresence.Subject) throws {
        try db.cachedStatement(sql: "DELETE FROM stream_presence WHERE subject = ?").execute(arguments: [subject.key])
    }

    func closeAllStreams(at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE stream_presence SET open = 0, changed_at = ? WHERE open = 1").execute(arguments: [now.milliseconds])
    }
}
