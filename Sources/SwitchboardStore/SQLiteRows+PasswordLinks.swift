import Foundation
import GRDB
import SwitchboardCore

/// Invitation and reset links, agents by e-mail, the demo accounts' mark.
extension SQLiteRows {
    private static let linkColumns = "id, agent_id, purpose, token_hash, created_at, expires_at, used_at"

    private static func link(_ row: Row) throws -> PasswordLink {
        let id: String = row["id"]
        return PasswordLink(id: id, agentId: row["agent_id"], purpose: try Records.parse(row["purpose"], "password_links", row: id, "purpose"),
                            tokenHash: [UInt8](row["token_hash"] as Data), createdAt: Timestamp(milliseconds: row["created_at"]),
                            expiresAt: Timestamp(milliseconds: row["expires_at"]),
                            usedAt: (row["used_at"] as Int64?).map(Timestamp.init(milliseconds:)))
    }

    func passwordLink(tokenHash: [UInt8]) throws -> PasswordLink? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Self.linkColumns) FROM password_links WHERE token_hash = ?"),
                          arguments: [Data(tokenHash)], Self.link)
    }

    func passwordLinks(agentId: String, purpose: PasswordLink.Purpose, since: Timestamp) throws -> [PasswordLink] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Self.linkColumns) FROM password_links WHERE agent_id = ? AND purpose = ? AND created_at >= ? ORDER BY created_at
            """), arguments: [agentId, purpose.rawValue, since.milliseconds], Self.link)
    }

    func agents(email: String) throws -> [Agent] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Columns.agent) FROM agents WHERE email = ? COLLATE NOCASE ORDER BY created_at
            """), arguments: [email], columns: Columns.agentNames, Records.agent)
    }

    func demoAccountsExist() throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM agents WHERE demo = 1 AND disabled = 0)")) ?? false
    }
}

extension SQLiteRows: PasswordLinkWriter {
    func insertPasswordLink(_ l: PasswordLink) throws {
        try db.cachedStatement(sql: """
            INSERT INTO password_links (id, agent_id, purpose, token_hash, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [l.id, l.agentId, l.purpose.rawValue, Data(l.tokenHash), l.createdAt.milliseconds,
                                     l.expiresAt.milliseconds, l.usedAt?.milliseconds])
    }

    func endPasswordLinks(agentId: String, purpose: PasswordLink.Purpose?, at now: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE password_links SET used_at = ? WHERE agent_id = ? AND used_at IS NULL AND purpose = COALESCE(?, purpose)
            """).execute(arguments: [now.milliseconds, agentId, purpose?.rawValue])
    }

    func setDemo(agentId: String, _ demo: Bool) throws {
        try db.cachedStatement(sql: "UPDATE agents SET demo = ? WHERE id = ?").execute(arguments: [demo, agentId])
    }
}
