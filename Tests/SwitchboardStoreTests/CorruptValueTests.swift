import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore
@testable import SwitchboardStore
import GRDB

/// A stored value this build does not know is an error naming where it is, never a
/// silent default and never a crash; and a schema other than the build's is refused.
struct CorruptValueTests {
    /// Writes `sql` with the CHECK constraints off, as a hand edit or another release might.
    func damage(_ db: TempDatabase, _ sql: String) throws {
        let queue = try DatabaseQueue(path: db.path("test.sqlite"))
        try queue.writeWithoutTransaction { conn in
            try conn.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try conn.execute(sql: sql)
        }
    }

    @Test func anUnknownStatusSenderOrRoleIsCorruptNamingTableRowAndValue() throws {
        let db = try TempDatabase()
        let service = ChatService(store: db.store, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        let started = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        let id = started.conversation.id
        let agent = try service.createAgent(username: "alex", password: "correct horse battery", displayName: "Alex")

        try damage(db, "UPDATE conversations SET status = 'paused' WHERE id = '\(id)'")
        #expect(throws: StoreError.corrupt(table: "conversations", row: id, column: "status", value: "paused")) {
            _ = try db.store.read { try $0.conversation(id: id) }
        }
        try damage(db, "UPDATE conversations SET status = 'automated' WHERE id = '\(id)'")
        let message = try #require(started.messages.first)
        try damage(db, "UPDATE messages SET sender_type = 'robot' WHERE id = '\(message.id)'")
        #expect(throws: StoreError.corrupt(table: "messages", row: message.id, column: "sender_type", value: "robot")) {
            _ = try db.store.read { try $0.recentMessages(conversationId: id, limit: 10) }
        }
        try damage(db, "UPDATE agents SET role = 'owner' WHERE id = '\(agent.id)'")
        #expect(throws: StoreError.corrupt(table: "agents", row: agent.id, column: "role", value: "owner")) {
            _ = try db.store.read { try $0.agent(id: agent.id) }
        }
        // The rest of the store still answers.
        #expect(try db.store.read { try $0.conversation(id: id) }?.status == .automated)
    }

    /// Columns read by position are checked against the statement's own names (in release
    /// builds too): a query that selects them in another order is refused, not misread.
    @Test func aStatementWhoseColumnsAreNotTheDecodersIsRefused() throws {
        let db = try TempDatabase()
        let service = ChatService(store: db.store, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        _ = try service.createAgent(username: "alex", password: "correct horse battery", displayName: "Alex")
        let queue = try DatabaseQueue(path: db.path("test.sqlite"))
        try queue.read { conn in
            let swapped = try conn.makeStatement(sql: "SELECT username, id, display_name FROM agents")
            #expect(throws: StoreError.columns(expected: Columns.agentNames, found: ["username", "id", "display_name"])) {
                _ = try Row.decodeOne(swapped, columns: Columns.agentNames, Records.agent)
            }
            let right = try conn.makeStatement(sql: "SELECT \(Columns.agent) FROM agents")
            #expect(try Row.decodeOne(right, columns: Columns.agentNames, Records.agent)?.username == "alex")
        }
    }

    @Test func aDatabaseOneMigrationBehindOrAheadIsRefusedWithTheCommandToRun() throws {
        let db = try TempDatabase()
        #expect(try db.store.schema().isCurrent)
        #expect(try db.store.schema().refusal(program: "switchboard-worker", path: "x") == nil)
        let newest = try #require(try db.store.appliedMigrations().last)
        try damage(db, "DELETE FROM grdb_migrations WHERE identifier = '\(newest)'")
        let behind = try db.store.schema()
        #expect(!behind.isCurrent)
        let line = try #require(behind.refusal(program: "switchboard-worker", path: "/var/lib/switchboard/switchboard.sqlite"))
        #expect(line.hasPrefix("switchboard-worker: the database /var/lib/switchboard/switchboard.sqlite has \(behind.known.count - 1) of \(behind.known.count) migrations"))
        #expect(line.contains("this build needs \"\(newest)\"") && line.hasSuffix("Run: switchboard migrate"))
        #expect(!line.contains("\n"))

        try damage(db, "INSERT INTO grdb_migrations (identifier) VALUES ('\(newest)'), ('2099-01-01-01-from-the-future')")
        let ahead = try db.store.schema()
        #expect(ahead.unknown == ["2099-01-01-01-from-the-future"])
        #expect(ahead.refusal(program: "switchboard-notifier", path: "db")?.contains("newer than this build") == true)
    }
}
