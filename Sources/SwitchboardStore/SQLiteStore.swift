import Foundation
import GRDB
import SwitchboardCore

/// The SQLite implementation of `ChatStore` (WAL, one writer, many readers, through GRDB).
/// SQLite-only concerns stay here: pragmas, migrations, the online backup, the event id
/// sequence.
public final class SQLiteStore: ChatStore {
    let pool: DatabasePool

    public init(path: String, readOnly: Bool = false) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = readOnly
        config.label = "switchboard"
        pool = try DatabasePool(path: path, configuration: config)
        if !readOnly {
            // FULL: a message that got a 2xx survives power loss (DESIGN.md: NORMAL only with a
            // measured reason). Set on the writer after the pool is open: GRDB's WAL setup sets
            // NORMAL after any prepareDatabase hook has run (measured: 0.03 flushes per commit).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
    }

    /// Opens the database the configuration names (creating the data directory).
    public convenience init(config: Config, readOnly: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        try self.init(path: config.databasePath, readOnly: readOnly)
    }

    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteRows(db: db)) }
    }

    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        try pool.write { db in try body(SQLiteRows(db: db)) }
    }

    /// Applies the migrations that have not run yet.
    public func migrate() throws {
        try Migrations.migrator.migrate(pool)
    }

    /// Names of the migrations already applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL).
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Copies the live database to `path` (SQLite's online backup; readers and writers go on).
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw AppError.badRequest("\(path) already exists; choose a new file name.")
        }
        let target = try DatabaseQueue(path: path)
        try pool.backup(to: target)
        try target.close()
    }
}
