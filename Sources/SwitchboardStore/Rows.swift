import Foundation
import GRDB
import SwitchboardCore

/// Row → record mapping, in one place so every query selects the same columns.
extension Store {
    static let conversationColumns = """
        c.id, c.status, c.assigned_agent_id, a.display_name AS assigned_agent_name, c.has_agent_replied,
        c.requested_agent_at, c.closed_at, c.created_at, c.updated_at, c.customer_display_name, c.customer_email
        """
    static let conversationFrom = "conversations c LEFT JOIN agents a ON a.id = c.assigned_agent_id"

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
            customerEmail: row["customer_email"])
    }

    static let messageColumns = "seq, id, conversation_id, sender_type, sender_agent_id, kind, content, metadata, client_message_id, created_at"

    static func message(_ row: Row) -> Message {
        Message(
            seq: row["seq"],
            id: row["id"],
            conversationId: row["conversation_id"],
            senderType: SenderType(rawValue: row["sender_type"]) ?? .system,
            senderAgentId: row["sender_agent_id"],
            kind: MessageKind(rawValue: row["kind"]) ?? .text,
            content: row["content"],
            metadata: decodeMetadata(row["metadata"]),
            clientMessageId: row["client_message_id"],
            createdAt: Timestamp(milliseconds: row["created_at"]))
    }

    static let agentColumns = "id, username, display_name, role, presence, max_active_chats, created_at, updated_at"

    static func agent(_ row: Row) -> Agent {
        Agent(
            id: row["id"],
            username: row["username"],
            displayName: row["display_name"],
            role: AgentRole(rawValue: row["role"]) ?? .agent,
            presence: Presence(rawValue: row["presence"]) ?? .offline,
            maxActiveChats: row["max_active_chats"],
            createdAt: Timestamp(milliseconds: row["created_at"]),
            updatedAt: Timestamp(milliseconds: row["updated_at"]))
    }

    static func encodeMetadata(_ pairs: [(String, String)]?) -> String? {
        pairs.map { JSON.object($0.map { ($0.0, JSON.string($0.1)) }).text }
    }

    static func decodeMetadata(_ text: String?) -> [(String, String)]? {
        guard let text, let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object.compactMap { key, value in (value as? String).map { (key, $0) } }.sorted { $0.0 < $1.0 }
    }
}
