import Foundation
import GRDB
import SwitchboardCore

/// Contacts, customer sessions, identity secrets and refused widget sites.
extension SQLiteRows {
    func contact(id: String) throws -> Contact? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Columns.contact) FROM contacts k WHERE k.id = ?"),
                          arguments: [id], columns: Columns.contactNames, Records.contact)
    }

    func contact(externalId: String, verified: Bool) throws -> Contact? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Columns.contact) FROM contacts k WHERE k.external_id = ? AND k.verified = ?"),
                          arguments: [externalId, verified], columns: Columns.contactNames, Records.contact)
    }

    /// A prefix search over three indexed columns: each a range of its `COLLATE NOCASE`
    /// index (`>= prefix AND < prefix + U+10FFFF`, which bounds every string that starts
    /// with it), joined by a UNION, then the newest seen first. A range, not `LIKE 'x%'`:
    /// SQLite plans a LIKE over an index only for the value it was prepared with, and a
    /// range needs no escaping of `%` and `_`. Case-insensitive for ASCII, like NOCASE.
    func contacts(_ query: ContactQuery) throws -> [Contact] {
        var arguments: StatementArguments = []
        var conditions: [String] = []
        if let prefix = query.prefix, !prefix.isEmpty {
            let upper = prefix + "\u{10FFFF}"
            conditions.append("""
                k.id IN (SELECT id FROM contacts WHERE name COLLATE NOCASE >= ? AND name COLLATE NOCASE < ?
                         UNION SELECT id FROM contacts WHERE email COLLATE NOCASE >= ? AND email COLLATE NOCASE < ?
                         UNION SELECT id FROM contacts WHERE external_id COLLATE NOCASE >= ? AND external_id COLLATE NOCASE < ?)
                """)
            arguments += [prefix, upper, prefix, upper, prefix, upper]
        }
        if let before = query.before {
            conditions.append("k.last_seen_at < ?")
            arguments += [before.milliseconds]
        }
        arguments += [query.limit]
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Columns.contact) FROM contacts k \(whereClause) ORDER BY k.last_seen_at DESC, k.id DESC LIMIT ?
            """), arguments: arguments, columns: Columns.contactNames, Records.contact)
    }

    func customerSession(tokenHash: [UInt8]) throws -> CustomerSession? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT id, contact_id, created_at, expires_at, revoked_at FROM customer_sessions WHERE token_hash = ?
            """), arguments: [Data(tokenHash)], columns: ["id", "contact_id", "created_at", "expires_at", "revoked_at"]) { row in
            CustomerSession(id: row[0], contactId: row[1], createdAt: Timestamp(milliseconds: row[2]),
                            expiresAt: Timestamp(milliseconds: row[3]), revokedAt: (row[4] as Int64?).map(Timestamp.init(milliseconds:)))
        }
    }

    func liveCustomerSessions(contactId: String) throws -> [CustomerSession] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT id, contact_id, created_at, expires_at FROM customer_sessions WHERE contact_id = ? AND revoked_at IS NULL ORDER BY created_at
            """), arguments: [contactId], columns: ["id", "contact_id", "created_at", "expires_at"]) { row in
            CustomerSession(id: row[0], contactId: row[1], createdAt: Timestamp(milliseconds: row[2]),
                            expiresAt: Timestamp(milliseconds: row[3]), revokedAt: nil)
        }
    }

    func openConversation(contactId: String) throws -> Conversation? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT \(Columns.conversation) FROM \(Columns.conversationFrom)
            WHERE c.contact_id = ? AND c.status != 'closed' ORDER BY c.created_at DESC, c.rowid DESC LIMIT 1
            """), arguments: [contactId], columns: Columns.conversationNames, Records.conversation)
    }

    func conversations(contactId: String) throws -> [(Conversation, Message?)] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Columns.conversation), \(Columns.prefixedMessage) FROM \(Columns.conversationFrom)
            LEFT JOIN messages m ON m.seq = (SELECT MAX(seq) FROM messages WHERE conversation_id = c.id)
            WHERE c.contact_id = ? ORDER BY c.created_at DESC, c.rowid DESC
            """), arguments: [contactId], columns: Columns.conversationAndMessageNames) {
                (try Records.conversation($0), try Records.message($0, prefixed: true))
            }
    }

    func identitySecrets() throws -> [IdentitySecret] {
        try Row.decodeAll(try db.cachedStatement(sql: "SELECT id, secret, created_at FROM identity_secrets ORDER BY created_at DESC, id"),
                          columns: ["id", "secret", "created_at"]) { row in
            IdentitySecret(id: row[0], secret: row[1], createdAt: Timestamp(milliseconds: row[2]))
        }
    }

    func blockedSites(limit: Int) throws -> [BlockedSite] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT origin, last_seen_at, attempts FROM widget_blocked_sites ORDER BY last_seen_at DESC, origin LIMIT ?
            """), arguments: [limit], columns: ["origin", "last_seen_at", "attempts"]) { row in
            BlockedSite(origin: row[0], lastSeenAt: Timestamp(milliseconds: row[1]), attempts: row[2])
        }
    }
}

extension SQLiteRows: ContactWriter {
    func insertContact(_ k: Contact) throws {
        try db.cachedStatement(sql: """
            INSERT INTO contacts (id, external_id, verified, name, email, name_from_token, email_from_token, created_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [k.id, k.externalId, k.verified, k.name, k.email, k.nameFromToken, k.emailFromToken,
                                     k.createdAt.milliseconds, k.lastSeenAt.milliseconds])
    }

    func updateContact(_ k: Contact) throws {
        try db.cachedStatement(sql: """
            UPDATE contacts SET name = ?, email = ?, name_from_token = ?, email_from_token = ?, last_seen_at = ? WHERE id = ?
            """).execute(arguments: [k.name, k.email, k.nameFromToken, k.emailFromToken, k.lastSeenAt.milliseconds, k.id])
    }

    func setContact(conversationId: String, contactId: String) throws {
        try db.cachedStatement(sql: "UPDATE conversations SET contact_id = ? WHERE id = ?").execute(arguments: [contactId, conversationId])
    }

    func eraseContact(id: String) throws -> (conversations: Int, messages: Int) {
        let conversations = try String.fetchAll(db, sql: "SELECT id FROM conversations WHERE contact_id = ?", arguments: [id])
        var messages = 0
        for conversation in conversations {
            try db.execute(sql: "DELETE FROM messages WHERE conversation_id = ?", arguments: [conversation])
            messages += db.changesCount
            try db.execute(sql: "DELETE FROM notes WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM read_cursors WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM conversation_labels WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM ratings WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM events WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM emails WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM attachments WHERE conversation_id = ?", arguments: [conversation])
            try db.execute(sql: "DELETE FROM stream_presence WHERE subject = ?",
                           arguments: [StreamPresence.Subject.conversation(conversation).key])
            try db.execute(sql: "DELETE FROM conversations WHERE id = ?", arguments: [conversation])
        }
        try db.execute(sql: "DELETE FROM webhook_deliveries WHERE contact_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM customer_sessions WHERE contact_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM contacts WHERE id = ?", arguments: [id])
        return (conversations.count, messages)
    }

    func deleteContactIfUnused(id: String) throws {
        try db.execute(sql: """
            DELETE FROM contacts WHERE id = ? AND NOT EXISTS (SELECT 1 FROM conversations WHERE contact_id = ?)
              AND NOT EXISTS (SELECT 1 FROM customer_sessions WHERE contact_id = ?)
            """, arguments: [id, id, id])
    }

    func retireSessionHash(_ hash: [UInt8]) throws {
        try db.execute(sql: "UPDATE conversations SET session_hash = randomblob(32) WHERE session_hash = ?", arguments: [Data(hash)])
    }

    func insertCustomerSession(_ s: CustomerSession, tokenHash: [UInt8]) throws {
        try db.cachedStatement(sql: """
            INSERT INTO customer_sessions (id, token_hash, contact_id, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [s.id, Data(tokenHash), s.contactId, s.createdAt.milliseconds, s.expiresAt.milliseconds,
                                     s.revokedAt?.milliseconds])
    }

    func deleteDeadCustomerSessions(contactId: String, before: Timestamp) throws {
        try db.cachedStatement(sql: """
            DELETE FROM customer_sessions WHERE contact_id = ? AND (expires_at < ? OR revoked_at < ?)
            """).execute(arguments: [contactId, before.milliseconds, before.milliseconds])
    }

    func revokeCustomerSession(id: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE customer_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .execute(arguments: [now.milliseconds, id])
    }

    func insertIdentitySecret(_ s: IdentitySecret) throws {
        try db.execute(sql: "INSERT INTO identity_secrets (id, secret, created_at) VALUES (?, ?, ?)",
                       arguments: [s.id, s.secret, s.createdAt.milliseconds])
    }

    func deleteIdentitySecret(id: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM identity_secrets WHERE id = ?", arguments: [id])
        return db.changesCount == 1
    }

    func recordBlockedSite(origin: String, at now: Timestamp, keep: Int) throws {
        try db.execute(sql: """
            INSERT INTO widget_blocked_sites (origin, last_seen_at, attempts) VALUES (?, ?, 1)
            ON CONFLICT (origin) DO UPDATE SET last_seen_at = excluded.last_seen_at, attempts = attempts + 1
            """, arguments: [origin, now.milliseconds])
        try db.execute(sql: """
            DELETE FROM widget_blocked_sites WHERE origin NOT IN
                (SELECT origin FROM widget_blocked_sites ORDER BY last_seen_at DESC, origin LIMIT ?)
            """, arguments: [keep])
    }
}
