import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore
@testable import SwitchboardStore
import GRDB

/// A migrated SQLite store in a temporary directory, removed when the test ends.
final class TempDatabase: @unchecked Sendable {
    let directory: String
    let store: SQLiteStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory + "/test.sqlite")
        try store.migrate()
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }
}

/// What only the SQLite engine has: durability settings, migrations, the online backup.
struct SQLiteStoreTests {
    @Test func commitsAreDurable() throws {
        let db = try TempDatabase()
        #expect(try db.store.writerSynchronousMode() == 2) // FULL
    }

    @Test func migrationsAreNamedAndApplyOnce() throws {
        let db = try TempDatabase()
        let applied = try db.store.appliedMigrations()
        #expect(applied.first == "2026-11-21-01-initial")
        try db.store.migrate()
        #expect(try db.store.appliedMigrations() == applied)
    }

    /// 07 rebuilds `messages` (CHECKs without IN lists): every row keeps its values and seq,
    /// the AUTOINCREMENT counter carries over (a deleted newest seq is never reused), the
    /// constraints still refuse what they refused, and no insert opens an ephemeral table.
    @Test func theMessagesRebuildKeepsRowsSeqsAndConstraints() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-mig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let queue = try DatabaseQueue(path: directory + "/old.sqlite")
        try Migrations.migrator.migrate(queue, upTo: "2026-11-30-06-offline-and-email")
        let columns = "seq, id, conversation_id, sender_type, sender_agent_id, kind, content, metadata, client_message_id, reply_to_seq, created_at"
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO agents (id, username, display_name, password_hash, role, presence, max_active_chats, disabled, created_at, updated_at)
                    VALUES ('a1', 'alex', 'Alex', 'x', 'agent', 'online', 5, 0, 1, 1);
                INSERT INTO conversations (id, session_hash, status, customer_display_name, has_agent_replied, created_at, updated_at)
                    VALUES ('c1', x'00', 'agent', 'Shopper', 1, 1, 1);
                INSERT INTO messages (\(columns)) VALUES
                    (1, 'm1', 'c1', 'customer', NULL, 'text', 'hello', NULL, 'k1', NULL, 10),
                    (2, 'm2', 'c1', 'bot', NULL, 'text', 'answer', '{"faq_slug":"x"}', NULL, 1, 11),
                    (3, 'm3', 'c1', 'agent', 'a1', 'quick_reply', 'hi', NULL, NULL, NULL, 12),
                    (4, 'm4', 'c1', 'system', NULL, 'event', 'assigned', NULL, NULL, NULL, 13);
                DELETE FROM messages WHERE seq = 4;
                """)
        }
        let before = try queue.read { db in try Row.fetchAll(db, sql: "SELECT \(columns) FROM messages ORDER BY seq") }
        try Migrations.migrator.migrate(queue)
        try queue.write { db in
            #expect(try Row.fetchAll(db, sql: "SELECT \(columns) FROM messages ORDER BY seq") == before)
            try db.execute(sql: "INSERT INTO messages (id, conversation_id, sender_type, kind, content, created_at) VALUES ('m5', 'c1', 'customer', 'text', 'again', 14)")
            #expect(db.lastInsertedRowID == 5) // not 4: the deleted newest seq is not reused
            for bad in ["('m6', 'c1', 'robot', 'text', 'x', 1)", "('m7', 'c1', 'bot', 'html', 'x', 1)", "('m8', 'nope', 'bot', 'text', 'x', 1)"] {
                #expect(throws: DatabaseError.self) {
                    try db.execute(sql: "INSERT INTO messages (id, conversation_id, sender_type, kind, content, created_at) VALUES \(bad)")
                }
            }
            #expect(throws: DatabaseError.self) { // UNIQUE (conversation_id, client_message_id) kept
                try db.execute(sql: "INSERT INTO messages (id, conversation_id, sender_type, kind, content, client_message_id, created_at) VALUES ('m9', 'c1', 'customer', 'text', 'x', 'k1', 1)")
            }
            let plan = try Row.fetchAll(db, sql: "EXPLAIN INSERT INTO messages (id, conversation_id, sender_type, kind, content, created_at) VALUES ('m10', 'c1', 'bot', 'event', 'x', 1)")
            #expect(!plan.contains { ($0["opcode"] as String?) == "OpenEphemeral" })
            #expect(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'messages' AND type = 'index' AND sql IS NOT NULL ORDER BY name")
                    == ["messages_conversation", "messages_reply"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test func backupCopiesTheLiveDatabase() throws {
        let db = try TempDatabase()
        let service = ChatService(store: db.store)
        _ = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        let path = db.path("backup.sqlite")
        try db.store.backup(to: path)
        let copy = try SQLiteStore(path: path, readOnly: true)
        #expect(try ChatService(store: copy).conversations(.queue(limit: 10)).items.isEmpty)
        #expect(try copy.latestEventId() == (try db.store.latestEventId()))
        #expect(try copy.events(after: 0).map(\.name) == ["message.created", "conversation.updated"])
        #expect(throws: AppError.self) { try db.store.backup(to: path) }
    }

    @Test func pruningKeepsTheNewestEventSoIdsStayAnchored() throws {
        let db = try TempDatabase()
        let service = ChatService(store: db.store)
        for _ in 0..<3 { _ = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil) }
        let latest = try db.store.latestEventId()
        #expect(try db.store.pruneEvents(olderThan: Timestamp.now().adding(seconds: 60)) == 5)
        #expect(try db.store.oldestEventId() == latest)
        #expect(try db.store.latestEventId() == latest)
    }
}
