import Foundation
import GRDB
import SwitchboardCore

/// Full-text search: each index read newest first (`ORDER BY rowid DESC`, which FTS5
/// serves without sorting; message and note rowids grow with time), joined to its
/// conversation for the filters, stopping at the limit.
extension SQLiteRows {
    func search(_ query: SearchQuery, _ filter: SearchFilter, limit: Int) throws -> [StoredHit] {
        guard let match = query.fts5 else { return [] }
        let (conditions, arguments) = Self.searchFilter(filter, time: "x.created_at")
        let marks = "char(1), char(2)"
        let messages = try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT x.id, x.conversation_id, x.sender_type, x.created_at, highlight(messages_fts, 0, \(marks))
            FROM messages_fts JOIN messages x ON x.seq = messages_fts.rowid JOIN conversations c ON c.id = x.conversation_id
            WHERE messages_fts MATCH ? AND x.kind != 'event' \(conditions)
            ORDER BY messages_fts.rowid DESC LIMIT ?
            """), arguments: [match] + arguments + [limit]) { row in
            StoredHit(type: .message, id: row[0], conversationId: row[1],
                      senderType: try Records.parse(row[2], "messages", row: row[0], "sender_type"),
                      createdAt: Timestamp(milliseconds: row[3]), marked: row[4])
        }
        let notes = try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT x.id, x.conversation_id, x.created_at, highlight(notes_fts, 0, \(marks))
            FROM notes_fts JOIN notes x ON x.rowid = notes_fts.rowid JOIN conversations c ON c.id = x.conversation_id
            WHERE notes_fts MATCH ? \(conditions)
            ORDER BY notes_fts.rowid DESC LIMIT ?
            """), arguments: [match] + arguments + [limit]) { row in
            StoredHit(type: .note, id: row[0], conversationId: row[1], senderType: nil,
                      createdAt: Timestamp(milliseconds: row[2]), marked: row[3])
        }
        // A contact's hit belongs to its newest conversation that passes the filters; its
        // time is that conversation's activity.
        let (contactConditions, contactArguments) = Self.searchFilter(filter, time: "c.updated_at")
        let contacts = try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT k.id, c.id, c.updated_at,
                   highlight(contacts_fts, 0, \(marks)), highlight(contacts_fts, 1, \(marks)), highlight(contacts_fts, 2, \(marks))
            FROM contacts_fts JOIN contacts k ON k.rowid = contacts_fts.rowid
            JOIN conversations c ON c.id = (SELECT id FROM conversations WHERE contact_id = k.id ORDER BY created_at DESC LIMIT 1)
            WHERE contacts_fts MATCH ? \(contactConditions)
            ORDER BY c.updated_at DESC LIMIT ?
            """), arguments: [match] + contactArguments + [limit]) { row -> StoredHit in
            let fields: [String?] = [row[3], row[4], row[5]]
            let marked = fields.compactMap { $0 }.first { $0.unicodeScalars.contains(SearchHit.open) } ?? fields.compactMap { $0 }.first ?? ""
            return StoredHit(type: .contact, id: row[0], conversationId: row[1], senderType: nil,
                             createdAt: Timestamp(milliseconds: row[2]), marked: marked)
        }
        return (messages + notes + contacts).sorted { $0.createdAt > $1.createdAt }
    }

    /// The filters on the conversation (`c`) and the hit's time.
    private static func searchFilter(_ filter: SearchFilter, time: String) -> (String, StatementArguments) {
        var conditions = ""
        var arguments: StatementArguments = []
        if let status = filter.status {
            conditions += " AND c.status = ?"
            arguments += [status.rawValue]
        }
        if filter.openOnly { conditions += " AND c.status != 'closed'" }
        if let label = filter.labelId {
            conditions += " AND c.id IN (SELECT conversation_id FROM conversation_labels WHERE label_id = ?)"
            arguments += [label]
        }
        if let from = filter.from {
            conditions += " AND \(time) >= ?"
            arguments += [from.milliseconds]
        }
        if let to = filter.to {
            conditions += " AND \(time) < ?"
            arguments += [to.milliseconds]
        }
        if let before = filter.before {
            conditions += " AND \(time) < ?"
            arguments += [before.milliseconds]
        }
        return (conditions, arguments)
    }
}
