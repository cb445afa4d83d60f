import Foundation
import GRDB
import SwitchboardCore

/// Row → record mapping, in one place so every query selects the same columns.
enum Columns {
    static let conversation = """
        c.id, c.status, c.assigned_agent_id, a.display_name AS assigned_agent_name, c.has_agent_replied,
        c.requested_agent_at, c.closed_at, c.created_at, c.updated_at, c.customer_display_name, c.customer_email,
        c.contact_source, c.offline, c.transcript_requested
        """
    static let conversationFrom = "conversations c LEFT JOIN agents a ON a.id = c.assigned_agent_id"

    private static let messageNames = ["seq", "id", "conversation_id", "sender_type", "sender_agent_id", "kind", "content",
                                       "metadata", "client_message_id", "created_at"]
    static let message = messageNames.joined(separator: ", ")
    /// The same columns of the `m` alias, prefixed `m_` so they sit beside a conversation's.
    static let prefixedMessage = messageNames.map { "m.\($0) AS m_\($0)" }.joined(separator: ", ")

    /// The agent columns of table alias `alias` (or the bare table).
    static func agent(_ alias: String = "") -> String {
        let p = alias.isEmpty ? "" : alias + "."
        return ["id", "username", "display_name", "role", "presence", "max_active_chats", "disabled", "last_seen_at",
                "away_since", "email", "email_notifications", "created_at", "updated_at"]
            .map { p + $0 }.joined(separator: ", ")
    }
}

enum Records {
    static func conversation(_ row: Row) -> Conversation {
        Conversation(
            id: row["id"],
            status: ConversationStatus(rawValue: row["status"]) ?? .closed,
            assignedAgentId: row["assigned_agent_id"],
            assignedAgentName: row["assigned_agent_name"],
            hasAgentReplied: row["has_agent_replied"],
            requestedAgentAt: (row["requested_agent_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            closedAt: (row["closed_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: row["created_at"]),
            updatedAt: Timestamp(milliseconds: row["updated_at"]),
            customerDisplayName: row["customer_display_name"],
            customerEmail: row["customer_email"],
            contactSource: (row["contact_source"] as String?).flatMap(ContactSource.init(rawValue:)),
            offline: row["offline"],
            transcriptRequested: row["transcript_requested"])
    }

    /// A message from its columns, optionally prefixed (`m_seq`, …); nil when the prefixed
    /// columns are NULL (a conversation without messages in a LEFT JOIN).
    static func message(_ row: Row, prefix: String = "") -> Message? {
        guard let seq = row[prefix + "seq"] as Int64? else { return nil }
        return Message(
            seq: seq,
            id: row[prefix + "id"],
            conversationId: row[prefix + "conversation_id"],
            senderType: SenderType(rawValue: row[prefix + "sender_type"]) ?? .system,
            senderAgentId: row[prefix + "sender_agent_id"],
            kind: MessageKind(rawValue: row[prefix + "kind"]) ?? .text,
            content: row[prefix + "content"],
            metadata: decodeMetadata(row[prefix + "metadata"]),
            clientMessageId: row[prefix + "client_message_id"],
            createdAt: Timestamp(milliseconds: row[prefix + "created_at"]))
    }

    static func agent(_ row: Row) -> Agent {
        Agent(
            id: row["id"],
            username: row["username"],
            displayName: row["display_name"],
            role: AgentRole(rawValue: row["role"]) ?? .agent,
            presence: Presence(rawValue: row["presence"]) ?? .offline,
            maxActiveChats: row["max_active_chats"],
            disabled: row["disabled"],
            lastSeenAt: (row["last_seen_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            awaySince: (row["away_since"] as Int64?).map(Timestamp.init(milliseconds:)),
            email: row["email"],
            emailNotifications: row["email_notifications"],
            createdAt: Timestamp(milliseconds: row["created_at"]),
            updatedAt: Timestamp(milliseconds: row["updated_at"]))
    }

    static let emailColumns = """
        id, kind, conversation_id, recipient, reply_to, subject, body, state, not_before, attempts, last_error, anchor_seq,
        created_at, sent_at
        """

    static func email(_ row: Row) -> OutgoingEmail {
        OutgoingEmail(
            id: row["id"], kind: OutgoingEmail.Kind(rawValue: row["kind"]) ?? .transcript, conversationId: row["conversation_id"],
            recipient: row["recipient"], replyTo: row["reply_to"], subject: row["subject"], body: row["body"],
            state: OutgoingEmail.State(rawValue: row["state"]) ?? .failed, notBefore: Timestamp(milliseconds: row["not_before"]),
            attempts: row["attempts"], lastError: row["last_error"], anchorSeq: row["anchor_seq"],
            createdAt: Timestamp(milliseconds: row["created_at"]), sentAt: (row["sent_at"] as Int64?).map(Timestamp.init(milliseconds:)))
    }

    static let faqColumns = "id, slug, question, answer, keywords, position, enabled, created_at, updated_at"

    static func faq(_ row: Row) -> FAQ {
        FAQ(id: row["id"], slug: row["slug"], question: row["question"], answer: row["answer"],
            keywords: (try? WireJSON.decode([String].self, from: row["keywords"] as String)) ?? [],
            position: row["position"], enabled: row["enabled"],
            createdAt: Timestamp(milliseconds: row["created_at"]), updatedAt: Timestamp(milliseconds: row["updated_at"]))
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(id: row["id"], actor: AuditEntry.Actor(id: row["actor_id"], username: row["actor_username"]),
                   action: row["action"], target: row["target"],
                   data: (try? WireJSON.decode(AuditData.self, from: row["data"] as String)) ?? AuditData(),
                   createdAt: Timestamp(milliseconds: row["created_at"]))
    }

    static func encodeMetadata(_ metadata: MessageMetadata?) throws -> String? {
        try metadata.map { try WireJSON.string($0) }
    }

    static func decodeMetadata(_ text: String?) -> MessageMetadata? {
        guard let text else { return nil }
        return try? WireJSON.decode(MessageMetadata.self, from: text)
    }
}
