import Foundation
import GRDB
import SwitchboardCore

/// The rows of one SQLite transaction: the reads of `StoreReader`.
struct SQLiteRows: StoreReader {
    let db: Database
    /// The group-commit job this write belongs to (nil for reads).
    var job: GroupCommitter.Job? = nil

    func conversation(id: String) throws -> Conversation? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Columns.conversation) FROM \(Columns.conversationFrom) WHERE c.id = ?"), arguments: [id], columns: Columns.conversationNames, Records.conversation)
    }

    func conversationWithSessionHash(id: String) throws -> (Conversation, sessionHash: [UInt8])? {
        try Row.decodeOne(try db.cachedStatement(sql: Self.conversationWithSessionHashSQL), arguments: [id],
                         columns: Columns.conversationNames + ["session_hash"]) { row in
            (try Records.conversation(row), [UInt8](row[Columns.conversationNames.count] as Data? ?? Data()))
        }
    }

    /// The conversation's columns, then its session hash.
    private static let conversationWithSessionHashSQL =
        "SELECT \(Columns.conversation), c.session_hash FROM \(Columns.conversationFrom) WHERE c.id = ?"

    func openConversation(sessionHash: [UInt8]) throws -> Conversation? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT \(Columns.conversation) FROM \(Columns.conversationFrom)
            WHERE c.session_hash = ? AND c.status != 'closed' ORDER BY c.created_at DESC LIMIT 1
            """), arguments: [Data(sessionHash)], columns: Columns.conversationNames, Records.conversation)
    }

    /// One query: each conversation with its newest message (by the messages index).
    func conversations(_ query: ConversationQuery) throws -> [(Conversation, Message?)] {
        var (whereClause, arguments) = Self.filter(query)
        arguments += [query.limit, query.offset]
        let order = switch query.order {
        case .recentActivity: "c.updated_at DESC, c.id DESC"
        case .oldestRequest: "c.requested_agent_at, c.created_at, c.rowid"
        }
        let unreadAt = Columns.conversationAndMessageNames.count
        return try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Columns.conversation), \(Columns.prefixedMessage), \(Self.unread) AS unread_count FROM \(Columns.conversationFrom)
            LEFT JOIN messages m ON m.seq = (SELECT MAX(seq) FROM messages WHERE conversation_id = c.id)
            \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
            """), arguments: [query.viewer ?? ""] + arguments, columns: Columns.conversationAndMessageNames + ["unread_count"]) {
                var conversation = try Records.conversation($0)
                conversation.unreadCount = $0[unreadAt]
                return (conversation, try Records.message($0, prefixed: true))
            }
    }

    /// The viewer's unread customer messages of `c` (one argument: the agent's id, or "" for
    /// nobody's cursor): a range of the conversation's messages after the cursor.
    private static let unread = """
        (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id AND u.sender_type = 'customer'
         AND u.seq > COALESCE((SELECT r.seq FROM read_cursors r WHERE r.agent_id = ? AND r.conversation_id = c.id), 0))
        """

    func unreadCount(conversationId: String, agentId: String?) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.unread) FROM conversations c WHERE c.id = ?"),
                         arguments: [agentId ?? "", conversationId]) ?? 0
    }

    func count(_ query: ConversationQuery) throws -> Int {
        let (whereClause, arguments) = Self.filter(query)
        return try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM conversations c \(whereClause)"), arguments: arguments) ?? 0
    }

    private static func filter(_ query: ConversationQuery) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status = query.status {
            conditions.append("c.status = ?")
            arguments += [status.rawValue]
        }
        switch query.assigned {
        case .to(let agentId):
            conditions.append("c.assigned_agent_id = ?")
            arguments += [agentId]
        case .nobody: conditions.append("c.assigned_agent_id IS NULL")
        case .anyone: break
        }
        if let before = query.before {
            conditions.append("c.updated_at < ?")
            arguments += [before.milliseconds]
        }
        if query.unreadOnly {
            conditions.append("\(unread) > 0")
            arguments += [query.viewer ?? ""]
        }
        if query.awaitingReplyOnly { conditions.append("c.status = 'agent' AND c.awaiting_since IS NOT NULL") }
        if let labelId = query.labelId {
            conditions.append("c.id IN (SELECT conversation_id FROM conversation_labels WHERE label_id = ?)")
            arguments += [labelId]
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    func messages(conversationId: String, afterSeq: Int64, limit: Int) throws -> [Message] {
        try fetchMessages("SELECT \(Columns.message) FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                          [conversationId, afterSeq, limit])
    }

    func recentMessages(conversationId: String, limit: Int) throws -> [Message] {
        try fetchMessages("""
            SELECT * FROM (SELECT \(Columns.message) FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq
            """, [conversationId, limit])
    }

    func message(id: String, conversationId: String) throws -> Message? {
        try fetchMessages("SELECT \(Columns.message) FROM messages WHERE id = ? AND conversation_id = ?", [id, conversationId]).first
    }

    func message(clientMessageId: String, conversationId: String) throws -> Message? {
        try fetchMessages("SELECT \(Columns.message) FROM messages WHERE conversation_id = ? AND client_message_id = ?",
                          [conversationId, clientMessageId]).first
    }

    func reply(toSeq: Int64) throws -> Message? {
        try fetchMessages("SELECT \(Columns.message) FROM messages WHERE reply_to_seq = ? ORDER BY seq LIMIT 1", [toSeq]).first
    }

    func lastMessage(conversationId: String) throws -> Message? {
        try fetchMessages("SELECT \(Columns.message) FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1",
                          [conversationId]).first
    }

    func lastMessage(conversationId: String, sender: SenderType, event: String?) throws -> Message? {
        // Walks the conversation's messages newest first (its index); a conversation is small.
        try fetchMessages("""
            SELECT \(Columns.message) FROM messages WHERE conversation_id = ? AND sender_type = ?
                AND (? IS NULL OR json_extract(metadata, '$.event') = ?) ORDER BY seq DESC LIMIT 1
            """, [conversationId, sender.rawValue, event, event]).first
    }

    private func fetchMessages(_ sql: String, _ arguments: StatementArguments) throws -> [Message] {
        try Row.decodeAll(try db.cachedStatement(sql: sql), arguments: arguments, columns: Columns.messageNames) { try Records.message($0) }
            .compactMap { $0 }
    }

    func faqs(includeDisabled: Bool) throws -> [FAQ] {
        let filter = includeDisabled ? "" : "WHERE enabled = 1"
        return try Row.decodeAll(try db.cachedStatement(sql: "SELECT \(Records.faqColumns) FROM faqs \(filter) ORDER BY position, slug"), Records.faq)
    }

    func faq(id: String) throws -> FAQ? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Records.faqColumns) FROM faqs WHERE id = ?"), arguments: [id], Records.faq)
    }

    func faq(slug: String) throws -> FAQ? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Records.faqColumns) FROM faqs WHERE slug = ?"), arguments: [slug], Records.faq)
    }

    func settings() throws -> Settings? {
        try String.fetchOne(try db.cachedStatement(sql: "SELECT data FROM settings WHERE id = 1")).map { try WireJSON.decode(Settings.self, from: $0) }
    }

    func audit(limit: Int, beforeId: Int64?) throws -> [AuditEntry] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT id, actor_id, actor_username, actor_integration, action, target, data, created_at FROM audit_log
            WHERE id < ? ORDER BY id DESC LIMIT ?
            """), arguments: [beforeId ?? Int64.max, limit], Records.auditEntry)
    }

    func agent(id: String) throws -> Agent? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Columns.agent) FROM agents WHERE id = ?"), arguments: [id], columns: Columns.agentNames, Records.agent)
    }

    func agent(username: String) throws -> Agent? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Columns.agent) FROM agents WHERE username = ?"), arguments: [username], columns: Columns.agentNames, Records.agent)
    }

    func passwordHash(agentId: String) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: "SELECT password_hash FROM agents WHERE id = ?"), arguments: [agentId])
    }

    func agent(tokenHash: [UInt8], now: Timestamp) throws -> Agent? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT \(Columns.agentOfA) FROM access_tokens t JOIN agents a ON a.id = t.agent_id
            WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ? AND a.disabled = 0
            """), arguments: [Data(tokenHash), now.milliseconds], columns: Columns.agentNames, Records.agent)
    }

    func activeChatCount(agentId: String) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM conversations WHERE assigned_agent_id = ? AND status = 'agent'"),
                         arguments: [agentId]) ?? 0
    }

    func leastLoadedOnlineAgent() throws -> Agent? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT * FROM (
                SELECT \(Columns.agentOfA),
                       (SELECT COUNT(*) FROM conversations x WHERE x.assigned_agent_id = a.id AND x.status = 'agent') AS load
                FROM agents a WHERE a.presence = 'online' AND a.disabled = 0 AND a.integration = 0
            ) WHERE load < max_active_chats ORDER BY load, created_at, id LIMIT 1
            """), columns: Columns.agentNames, Records.agent)
    }

    func team() throws -> [TeamMember] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Columns.agentOfA),
                   (SELECT COUNT(*) FROM conversations x WHERE x.assigned_agent_id = a.id AND x.status = 'agent') AS active_chats,
                   (SELECT MAX(l.expires_at) FROM password_links l
                    WHERE l.agent_id = a.id AND l.purpose = 'invite' AND l.used_at IS NULL) AS invitation_expires_at
            FROM agents a WHERE a.integration = 0 ORDER BY a.display_name COLLATE NOCASE, a.username
            """), columns: Columns.agentNames + ["active_chats", "invitation_expires_at"]) {
                TeamMember(agent: try Records.agent($0), activeChats: $0["active_chats"],
                           invitationExpiresAt: ($0["invitation_expires_at"] as Int64?).map(Timestamp.init(milliseconds:)))
            }
    }

    func onlineAgentCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM agents WHERE presence = 'online' AND disabled = 0 AND integration = 0")) ?? 0
    }

    func firstReplyDelays(since: Timestamp) throws -> [Int64] {
        try Int64.fetchAll(try db.cachedStatement(sql: """
            SELECT first_response_at - requested_agent_at FROM conversations
            WHERE requested_agent_at >= ? AND first_response_at IS NOT NULL
            """), arguments: [since.milliseconds])
    }

    func activeAdminCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM agents WHERE role = 'admin' AND disabled = 0 AND integration = 0")) ?? 0
    }

    func installationSecret() throws -> [UInt8] {
        try Data.fetchOne(try db.cachedStatement(sql: "SELECT secret FROM installation WHERE id = 1")).map { [UInt8]($0) } ?? []
    }

    func loginThrottle(username: String) throws -> LoginThrottle? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT failures, blocked_until, updated_at FROM login_throttle WHERE username = ?"),
                         arguments: [username]) {
            LoginThrottle(failures: $0["failures"], blockedUntil: Timestamp(milliseconds: $0["blocked_until"]),
                          updatedAt: Timestamp(milliseconds: $0["updated_at"]))
        }
    }

    func isTrusted(username: String, clientKey: [UInt8]) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM login_trusted WHERE username = ? AND client_key = ?"),
                          arguments: [username, Data(clientKey)]) ?? false
    }

    func openEscalations(clientKey: [UInt8]) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM conversations WHERE client_key = ? AND status = 'agent'"),
                         arguments: [Data(clientKey)]) ?? 0
    }

    /// AUTOINCREMENT's sequence: never reused, even after pruning.
    func latestEventId() throws -> Int64 {
        try Int64.fetchOne(try db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'")) ?? 0
    }

    func emails(state: OutgoingEmail.State, dueBy: Timestamp, limit: Int) throws -> [OutgoingEmail] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Records.emailColumns) FROM emails WHERE state = ? AND not_before <= ? ORDER BY not_before, id LIMIT ?
            """), arguments: [state.rawValue, dueBy.milliseconds, limit], Records.email)
    }

    func emails(conversationId: String) throws -> [OutgoingEmail] {
        try Row.decodeAll(try db.cachedStatement(sql: "SELECT \(Records.emailColumns) FROM emails WHERE conversation_id = ? ORDER BY id"),
                         arguments: [conversationId], Records.email)
    }

    func streamPresence(_ subject: StreamPresence.Subject) throws -> StreamPresence? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT open, changed_at FROM stream_presence WHERE subject = ?"),
                         arguments: [subject.key]) { StreamPresence(open: $0["open"], changedAt: Timestamp(milliseconds: $0["changed_at"])) }
    }

    func agentStreams() throws -> [String: StreamPresence] {
        var result: [String: StreamPresence] = [:]
        for row in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT substr(subject, 7) AS agent_id, open, changed_at FROM stream_presence WHERE subject >= 'agent:' AND subject < 'agent;'
            """)) {
            result[row["agent_id"]] = StreamPresence(open: row["open"], changedAt: Timestamp(milliseconds: row["changed_at"]))
        }
        return result
    }
}
