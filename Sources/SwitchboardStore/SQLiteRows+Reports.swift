import Foundation
import GRDB
import SwitchboardCore

/// The reports' rows and ratings: one statement over `conversations_created`, read with a
/// cursor so a CSV of any size passes through without being held.
extension SQLiteRows {
    private static let reportColumns = """
        c.id, c.created_at, c.status, c.requested_agent_at, c.first_response_at, c.first_response_agent_id,
        c.closed_at, c.assigned_agent_id, c.offline, c.has_agent_replied, r.score
        """
    private static let detailColumns = """
        , COALESCE(NULLIF(k.name, ''), k.email, c.customer_display_name), a.display_name,
        (SELECT json_group_array(name) FROM (SELECT l.name FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
                                             WHERE cl.conversation_id = c.id ORDER BY l.name COLLATE NOCASE))
        """
    private static let detailJoins = """
        LEFT JOIN contacts k ON k.id = c.contact_id LEFT JOIN agents a ON a.id = c.assigned_agent_id
        """

    func reportRows(_ filter: ReportFilter, details: Bool, _ body: (ReportRow) throws -> Void) throws {
        var sql = "SELECT \(Self.reportColumns)\(details ? Self.detailColumns : "") FROM conversations c "
            + "LEFT JOIN ratings r ON r.conversation_id = c.id AND r.closed_at = c.closed_at "
            + (details ? Self.detailJoins : "")
            + " WHERE c.created_at >= ? AND c.created_at < ?"
        var arguments: StatementArguments = [filter.from.milliseconds, filter.to.milliseconds]
        if let label = filter.labelId {
            sql += " AND EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = c.id AND cl.label_id = ?)"
            arguments += [label]
        }
        if let agent = filter.agentId {
            sql += " AND (c.assigned_agent_id = ? OR c.first_response_agent_id = ?)"
            arguments += [agent, agent]
        }
        sql += " ORDER BY c.created_at, c.id"
        let cursor = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try cursor.next() {
            let id: String = row[0]
            var report = ReportRow(
                id: id, createdAt: Timestamp(milliseconds: row[1]),
                status: try Records.parse(row[2], "conversations", row: id, "status"),
                requestedAgentAt: (row[3] as Int64?).map(Timestamp.init(milliseconds:)),
                firstResponseAt: (row[4] as Int64?).map(Timestamp.init(milliseconds:)),
                firstResponseAgentId: row[5],
                closedAt: (row[6] as Int64?).map(Timestamp.init(milliseconds:)),
                agentId: row[7], offline: row[8], hasAgentReplied: row[9], ratingScore: row[10])
            if details {
                report.contact = row[11]
                report.agentName = row[12]
                let labels: String = row[13] ?? "[]"
                report.labelNames = (try? JSONDecoder().decode([String].self, from: Data(labels.utf8))) ?? []
            }
            try body(report)
        }
    }

}
