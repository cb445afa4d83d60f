import GRDB
import SwitchboardCore

/// Automatic routing: least-loaded online agent under its capacity; waiting chats oldest first.
extension Store {
    static let activeLoad = "(SELECT COUNT(*) FROM conversations x WHERE x.assigned_agent_id = a.id AND x.status = 'agent')"

    static func leastLoadedOnlineAgent(_ db: Database) throws -> Agent? {
        try Row.fetchOne(db, sql: """
            SELECT * FROM (
                SELECT a.id, a.username, a.display_name, a.role, a.presence, a.max_active_chats, a.created_at, a.updated_at,
                       \(activeLoad) AS load
                FROM agents a WHERE a.presence = 'online'
            ) WHERE load < max_active_chats ORDER BY load, created_at, id LIMIT 1
            """).map(agent)
    }

    /// Gives queued chats to `agent`, oldest request first, until it is at capacity.
    func assignWaitingChats(to agent: Agent, _ db: Database, _ outbox: inout Outbox) throws {
        let load = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations WHERE assigned_agent_id = ? AND status = 'agent'",
                                    arguments: [agent.id]) ?? 0
        let room = agent.maxActiveChats - load
        guard room > 0 else { return }
        let waiting = try Row.fetchAll(db, sql: """
            SELECT \(Store.conversationColumns) FROM \(Store.conversationFrom)
            WHERE c.status = 'agent' AND c.assigned_agent_id IS NULL
            ORDER BY c.requested_agent_at, c.created_at LIMIT ?
            """, arguments: [room]).map(Store.conversation)
        for chat in waiting {
            _ = try apply(ConversationLifecycle.decide(chat.state, .route(agentId: agent.id)).get(), to: chat, db, &outbox)
        }
    }
}
