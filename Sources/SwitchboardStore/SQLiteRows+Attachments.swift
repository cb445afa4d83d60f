import Foundation
import GRDB
import SwitchboardCore

/// Uploads in conversations (the files themselves are on disk, kept by SwitchboardFiles).
extension SQLiteRows: AttachmentReader, AttachmentWriter {
    private static let columns = """
        id, conversation_id, side, filename, content_type, size, sha256, width, height, has_preview, message_id, created_at
        FROM attachments
        """

    private static func attachment(_ row: Row) throws -> Attachment {
        let id: String = row[0]
        return Attachment(id: id, conversationId: row[1], side: try Records.parse(row[2], "attachments", row: id, "side"),
                          filename: row[3],
                          file: StoredFile(sha256: row[6], size: row[5], contentType: row[4], width: row[7], height: row[8], hasPreview: row[9]),
                          messageId: row[10], createdAt: Timestamp(milliseconds: row[11]))
    }

    func attachment(id: String) throws -> Attachment? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Self.columns) WHERE id = ?"), arguments: [id], Self.attachment)
    }

    func unusedAttachments(before: Timestamp, limit: Int) throws -> [Attachment] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Self.columns) WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?
            """), arguments: [before.milliseconds, limit], Self.attachment)
    }

    func fileInUse(sha256: String) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?)"),
                          arguments: [sha256]) ?? false
    }

    func fileHashes(contactId: String) throws -> [String] {
        try String.fetchAll(try db.cachedStatement(sql: """
            SELECT DISTINCT a.sha256 FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE c.contact_id = ?
            """), arguments: [contactId])
    }

    func insertAttachment(_ a: Attachment) throws {
        try db.cachedStatement(sql: """
            INSERT INTO attachments (id, conversation_id, side, filename, content_type, size, sha256, width, height, has_preview,
                                     message_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [a.id, a.conversationId, a.side.rawValue, a.filename, a.file.contentType, a.file.size,
                                     a.file.sha256, a.file.width, a.file.height, a.file.hasPreview, a.messageId,
                                     a.createdAt.milliseconds])
    }

    func useAttachments(ids: [String], messageId: String) throws {
        let statement = try db.cachedStatement(sql: "UPDATE attachments SET message_id = ? WHERE id = ? AND message_id IS NULL")
        for id in ids { try statement.execute(arguments: [messageId, id]) }
    }

    func deleteUnusedAttachment(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM attachments WHERE id = ? AND message_id IS NULL").execute(arguments: [id])
    }
}
