import Foundation
import GRDB
import SwitchboardCore

/// Labels and which conversations carry them.
extension SQLiteRows {
    private static func label(_ row: Row) -> Label { Label(id: row[0], name: row[1], color: row[2]) }

    func labels() throws -> [Label] {
        try Row.decodeAll(try db.cachedStatement(sql: "SELECT id, name, color FROM labels ORDER BY name COLLATE NOCASE"),
                          Self.label)
    }

    func label(id: String) throws -> Label? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT id, name, color FROM labels WHERE id = ?"), arguments: [id], Self.label)
    }

    func label(name: String) throws -> Label? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT id, name, color FROM labels WHERE name = ? COLLATE NOCASE"),
                          arguments: [name], Self.label)
    }

    /// One statement for a page of conversations (its ids bound as a JSON array).
    func labels(conversationIds: [String]) throws -> [String: [Label]] {
        guard !conversationIds.isEmpty else { return [:] }
        var byConversation: [String: [Label]] = [:]
        let rows = try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT cl.conversation_id, l.id, l.name, l.color FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
            WHERE cl.conversation_id IN (SELECT value FROM json_each(?)) ORDER BY l.name COLLATE NOCASE
            """), arguments: [try WireJSON.string(conversationIds)]) { row -> (String, Label) in
            (row[0], Label(id: row[1], name: row[2], color: row[3]))
        }
        for (conversationId, label) in rows { byConversation[conversationId, default: []].append(label) }
        return byConversation
    }
}

extension SQLiteRows: LabelWriter {
    func insertLabel(_ l: Label, at now: Timestamp) throws {
        try db.cachedStatement(sql: "INSERT INTO labels (id, name, color, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [l.id, l.name, l.color, now.milliseconds, now.milliseconds])
    }

    func updateLabel(_ l: Label, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE labels SET name = ?, color = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [l.name, l.color, now.milliseconds, l.id])
    }

    func deleteLabel(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM conversation_labels WHERE label_id = ?").execute(arguments: [id])
        try db.cachedStatement(sql: "DELETE FROM labels WHERE id = ?").execute(arguments: [id])
    }

    func setLabels(conversationId: String, labelIds: [String]) throws {
        try db.cachedStatement(sql: "DELETE FROM conversation_labels WHERE conversation_id = ?").execute(arguments: [conversationId])
        let insert = try db.cachedStatement(sql: "INSERT INTO conversation_labels (conversation_id, label_id) VALUES (?, ?)")
        for id in labelIds { try insert.execute(arguments: [conversationId, id]) }
    }
}
