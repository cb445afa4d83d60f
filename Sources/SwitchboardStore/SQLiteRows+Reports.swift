import Foundation
import GRDB
import SwitchboardCore

/// The reports' rows: one statement over `conversations_created` that joins nothing (the
/// first response and the score are the conversation's own columns), read with a cursor so
/// a CSV of any size passes through without being held.
extension SQLiteRows {
    /// The status as a number (no string to make and compare per row); the id only for the CSV.
    private static let reportColumns = """
        c.created_at, c.updated_at, CASE c.status WHEN 'automated' THEN 0 WHEN 'agent' THEN 1 ELSE 2 END, c.requested_agent_at,
        c.first_response_at, c.first_response_agent_id, c.closed_at, c.assigned_agent_id, c.offline,
        c.has_agent_replied, c.rating_score
        """
    private static let statuses: [ConversationStatus] = [.automated, .agent, .closed]
    private static let detailColumns = """
        , c.id, COALESCE(NULLIF(k.name, ''), k.email, c.customer_display_name), a.display_name,
        (SELECT json_group_array(name) FROM (SELECT l.name FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
                                             WHERE cl.conversation_id = c.id ORDER BY l.name COLLATE NOCASE))
        """
    private static let detailJoins = """
        LEFT JOIN contacts k ON k.id = c.contact_id LEFT JOIN agents a ON a.id = c.assigned_agent_id
        """

    func reportRows(_ filter: ReportFilter, details: Bool, _ body: (ReportRow) throws -> Void) throws {
        var sql = "SELECT \(Self.reportColumns)\(details ? Self.detailColumns : "") FROM conversations c "
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
        // The CSV's rows oldest first; a tally needs no order (sorting 100,000 rows by their
        // UUIDs was a third of the overview's time in the profile).
        if details { sql += " ORDER BY c.created_at, c.id" }
        let cursor = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try cursor.next() {
            let status: Int = row[2]
            var report = ReportRow(
                id: "", createdAt: Timestamp(milliseconds: row[0]), updatedAt: Timestamp(milliseconds: row[1]),
                status: Self.statuses[min(max(status, 0), 2)],
                requestedAgentAt: (row[3] as Int64?).map(Timestamp.init(milliseconds:)),
                firstResponseAt: (row[4] as Int64?).map(Timestamp.init(milliseconds:)),
                firstResponseAgentId: row[5],
                closedAt: (row[6] as Int64?).map(Timestamp.init(milliseconds:)),
                agentId: row[7], offline: row[8], hasAgentReplied: row[9], ratingScore: row[10])
            if details {
                report.id = row[11]
                report.contact = row[12]
                report.agentName = row[13]
                let labels: String = row[14] ?? "[]"
                report.labelNames = (try? JSONDecoder().decode([String].self, from: Data(labels.utf8))) ?? []
            }
            try body(report)
        }
    }

}
