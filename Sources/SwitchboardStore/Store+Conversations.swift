import Foundation
import GRDB
import SwitchboardCore

/// Who is reading or acting on a conversation.
public enum Access: Sendable {
    /// A customer proves ownership with the session id the conversation was started under.
    case customer(sessionId: String)
    /// Any authenticated agent may read every conversation (shared queue).
    case agent(Agent)
}

/// What `start` answers.
public struct StartResult: Sendable {
    public let conversation: Conversation
    public let sessionId: String
    public let messages: [Message]
    public let resumed: Bool
    public let lastEventId: Int64
}

/// What a customer send (text or quick reply) answers.
public struct CustomerSendResult: Sendable {
    public let conversation: Conversation
    public let customerMessage: Message
    public let botMessage: Message?
    /// True when the same `client_message_id` was sent before and this is the original.
    public let replayed: Bool
}

/// A messages page.
public struct MessagesPage: Sendable {
    public let conversation: Conversation
    public let messages: [Message]
    public let lastEventId: Int64
}

extension Store {
    public static let messagesMaxPerStart = 500

    /// Starts a conversation or resumes the session's open one.
    public func start(sessionId: String?, forceNew: Bool, displayName: String?, email: String?) throws -> StartResult {
        let session = sessionId ?? Secrets.token(prefix: "cs_")
        let hash = Secrets.sha256(session)
        return try write { db, outbox in
            if sessionId != nil, !forceNew,
               let row = try Row.fetchOne(db, sql: """
                    SELECT \(Store.conversationColumns) FROM \(Store.conversationFrom)
                    WHERE c.session_hash = ? AND c.status != 'closed' ORDER BY c.created_at DESC LIMIT 1
                    """, arguments: [hash]) {
                let conversation = Store.conversation(row)
                let messages = try Store.recentMessages(conversation.id, limit: Store.messagesMaxPerStart, db)
                return StartResult(conversation: conversation, sessionId: session, messages: messages, resumed: true,
                                   lastEventId: try Store.latestEventId(db))
            }
            let now = Timestamp.now()
            let id = Store.newId()
            let name = displayName ?? "Visitor \(id.prefix(4).uppercased())"
            try db.execute(sql: """
                INSERT INTO conversations (id, session_hash, status, created_at, updated_at, customer_display_name, customer_email)
                VALUES (?, ?, 'automated', ?, ?, ?, ?)
                """, arguments: [id, hash, now.milliseconds, now.milliseconds, name, email])
            let welcome = try Store.insertMessage(db, &outbox, conversationId: id, sender: .bot, kind: .text,
                                                  content: BotText.welcome, metadata: [("event", "welcome")], at: now)
            let conversation = try Store.loadConversation(id, db)!
            // Written after the message so this read includes the welcome's event id.
            try outbox.add(.conversationUpdated, .conversation, conversationId: id,
                       .object([("conversation", Views.conversationSummary(conversation))]))
            return StartResult(conversation: conversation, sessionId: session, messages: [welcome], resumed: false,
                               lastEventId: try Store.latestEventId(db))
        }
    }

    /// A conversation the caller may see (404 unknown, 403 someone else's).
    public func conversation(_ id: String, access: Access) throws -> Conversation {
        try read { db in try Store.authorized(id, access, db) }
    }

    static func authorized(_ id: String, _ access: Access, _ db: Database) throws -> Conversation {
        guard let conversation = try loadConversation(id, db) else { throw AppError.conversationNotFound }
        if case .customer(let sessionId) = access {
            let stored = try Data.fetchOne(db, sql: "SELECT session_hash FROM conversations WHERE id = ?", arguments: [id]) ?? Data()
            guard Secrets.constantTimeEqual([UInt8](stored), [UInt8](Secrets.sha256(sessionId))) else {
                throw AppError.forbidden("This conversation belongs to another session.", code: "not_your_conversation")
            }
        }
        return conversation
    }

    static func recentMessages(_ conversationId: String, limit: Int, _ db: Database) throws -> [Message] {
        try Row.fetchAll(db, sql: """
            SELECT * FROM (SELECT \(messageColumns) FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq
            """, arguments: [conversationId, limit]).map(message)
    }

    /// Messages oldest first, after the message with id `after` (exclusive), with the event cursor of the same read.
    public func messages(_ conversationId: String, access: Access, after: String?, limit: Int) throws -> MessagesPage {
        try read { db in
            let conversation = try Store.authorized(conversationId, access, db)
            var afterSeq: Int64 = 0
            if let after {
                guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM messages WHERE id = ? AND conversation_id = ?",
                                                   arguments: [after, conversationId]) else {
                    throw AppError.badRequest("after: no message \(after) in this conversation.", code: "invalid_cursor")
                }
                afterSeq = seq
            }
            let messages = try Row.fetchAll(db, sql: """
                SELECT \(Store.messageColumns) FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?
                """, arguments: [conversationId, afterSeq, limit]).map(Store.message)
            return MessagesPage(conversation: conversation, messages: messages, lastEventId: try Store.latestEventId(db))
        }
    }

    /// The FAQ list, in display order.
    public func faqs() throws -> [FAQ] {
        try read { db in try Store.faqs(db) }
    }

    static func faqs(_ db: Database) throws -> [FAQ] {
        try Row.fetchAll(db, sql: "SELECT slug, question, answer, keywords FROM faqs ORDER BY position, slug").map { row in
            FAQ(slug: row["slug"], question: row["question"], answer: row["answer"],
                keywords: (row["keywords"] as String).split(separator: ",").map { String($0).trimmingSpaces })
        }
    }

    /// Inserts or updates an FAQ.
    public func upsertFAQ(_ faq: FAQ, position: Int) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO faqs (slug, question, answer, keywords, position) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(slug) DO UPDATE SET question = excluded.question, answer = excluded.answer,
                    keywords = excluded.keywords, position = excluded.position
                """, arguments: [faq.slug, faq.question, faq.answer, faq.keywords.joined(separator: ","), position])
        }
    }

    /// A customer's free text (`quickReply == nil`) or tapped FAQ. While the bot has the
    /// conversation it answers in the same transaction. A repeated `clientMessageId`
    /// returns the original message and its answer instead of writing anything.
    public func customerSend(_ conversationId: String, sessionId: String, content: String?, quickReply: String?,
                             clientMessageId: String?) throws -> CustomerSendResult {
        try write { db, outbox in
            let conversation = try Store.authorized(conversationId, .customer(sessionId: sessionId), db)
            if let clientMessageId, let original = try Row.fetchOne(db, sql: """
                SELECT \(Store.messageColumns) FROM messages WHERE conversation_id = ? AND client_message_id = ?
                """, arguments: [conversationId, clientMessageId]).map(Store.message) {
                let reply = try Row.fetchOne(db, sql: "SELECT \(Store.messageColumns) FROM messages WHERE reply_to_seq = ? ORDER BY seq LIMIT 1",
                                             arguments: [original.seq]).map(Store.message)
                return CustomerSendResult(conversation: conversation, customerMessage: original, botMessage: reply, replayed: true)
            }
            var faq: FAQ?
            let all = try Store.faqs(db)
            if let quickReply {
                guard let found = all.first(where: { $0.slug == quickReply }) else {
                    throw AppError.notFound("No quick question \(quickReply).", code: "faq_not_found")
                }
                faq = found
            }
            let decision = try ConversationLifecycle.decide(conversation.state, .customerMessage).get()
            let now = Timestamp.now()
            let sent = try Store.insertMessage(
                db, &outbox, conversationId: conversationId, sender: .customer,
                kind: faq == nil ? .text : .quickReply, content: faq?.question ?? content ?? "",
                metadata: faq.map { [("faq_slug", $0.slug)] }, clientMessageId: clientMessageId, at: now)
            var bot: Message?
            if decision.botAnswers {
                let answer = faq ?? FAQMatcher(all).match(content ?? "")
                bot = try Store.insertMessage(
                    db, &outbox, conversationId: conversationId, sender: .bot, kind: .text,
                    content: answer?.answer ?? BotText.fallback,
                    metadata: answer.map { [("faq_slug", $0.slug)] } ?? [("fallback", "true")],
                    replyToSeq: sent.seq, at: now)
            }
            return CustomerSendResult(conversation: try Store.loadConversation(conversationId, db)!,
                                      customerMessage: sent, botMessage: bot, replayed: false)
        }
    }

    /// Asks for a human. Idempotent: a second escalation changes nothing and adds no message.
    public func escalate(_ conversationId: String, sessionId: String) throws -> (Conversation, Message?) {
        try write { db, outbox in
            let conversation = try Store.authorized(conversationId, .customer(sessionId: sessionId), db)
            let decision = try ConversationLifecycle.decide(conversation.state, .escalate).get()
            return try apply(decision, to: conversation, db, &outbox)
        }
    }
}
