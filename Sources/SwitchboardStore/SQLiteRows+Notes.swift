import Foundation
import GRDB
import SwitchboardCore

/// Private notes, with their author's current name joined.
extension SQLiteRows {
    func notes(conversationId: String) throws -> [Note] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT n.id, n.conversation_id, n.author_agent_id, a.display_name, n.content, n.mentions, n.created_at
            FROM notes n JOIN agents a ON a.id = n.author_agent_id
            WHERE n.conversation_id = ? ORDER BY n.created_at, n.rowid
            """), arguments: [conversationId]) { row in
            Note(id: row[0], conversationId: row[1], author: Note.Author(id: row[2], displayName: row[3]), content: row[4],
                 mentions: (try? WireJSON.decode([String].self, from: row[5] as String)) ?? [],
                 createdAt: Timestamp(milliseconds: row[6]))
        }
    }
}

extension SQLiteRows: NoteWriter {
    func insertNote(_ n: Note) throws {
        try db.cachedStatement(sql: """
            INSERT INTO notes (id, conversation_id, author_agent_id, content, mentions, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [n.id, n.conversationId, n.author.id, n.content, try WireJSON.string(n.mentions),
                                     n.createdAt.milliseconds])
    }
}
