import Foundation
import GRDB
import SwitchboardCore

/// Canned replies: the team's and each agent's own.
extension SQLiteRows {
    private static let cannedColumns = "id, shortcut, title, content, scope, owner_agent_id, created_at, updated_at"

    private static func canned(_ row: Row) throws -> CannedReply {
        let id: String = row[0]
        return CannedReply(id: id, shortcut: row[1], title: row[2], content: row[3],
                           scope: try Records.parse(row[4], "canned_replies", row: id, "scope"), ownerAgentId: row[5],
                           createdAt: Timestamp(milliseconds: row[6]), updatedAt: Timestamp(milliseconds: row[7]))
    }

    func cannedReplies(visibleTo agentId: String) throws -> [CannedReply] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Self.cannedColumns) FROM canned_replies WHERE scope = 'team' OR owner_agent_id = ? ORDER BY shortcut, scope
            """), arguments: [agentId], Self.canned)
    }

    func cannedReply(id: String) throws -> CannedReply? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Self.cannedColumns) FROM canned_replies WHERE id = ?"),
                          arguments: [id], Self.canned)
    }

    func cannedReply(shortcut: String, scope: CannedReply.Scope, ownerAgentId: String?) throws -> CannedReply? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT \(Self.cannedColumns) FROM canned_replies WHERE scope = ? AND COALESCE(owner_agent_id, '') = ? AND shortcut = ?
            """), arguments: [scope.rawValue, ownerAgentId ?? "", shortcut], Self.canned)
    }

    func cannedReplyCount(scope: CannedReply.Scope, ownerAgentId: String?) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: """
            SELECT COUNT(*) FROM canned_replies WHERE scope = ? AND COALESCE(owner_agent_id, '') = ?
            """), arguments: [scope.rawValue, ownerAgentId ?? ""]) ?? 0
    }
}

extension SQLiteRows: CannedReplyWriter {
    func insertCannedReply(_ r: CannedReply) throws {
        try db.cachedStatement(sql: """
            INSERT INTO canned_replies (id, shortcut, title, content, scope, owner_agent_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [r.id, r.shortcut, r.title, r.content, r.scope.rawValue, r.ownerAgentId,
                                     r.createdAt.milliseconds, r.updatedAt.milliseconds])
    }

    func updateCannedReply(_ r: CannedReply) throws {
        try db.cachedStatement(sql: "UPDATE canned_replies SET shortcut = ?, title = ?, content = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [r.shortcut, r.title, r.content, r.updatedAt.milliseconds, r.id])
    }

    func deleteCannedReply(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM canned_replies WHERE id = ?").execute(arguments: [id])
    }
}
