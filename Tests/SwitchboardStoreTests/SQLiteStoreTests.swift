import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore
import SwitchboardStore

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
