import Foundation
import GRDB
import SwitchboardCore

/// The SQLite implementation of `ChatStore` (WAL, one writer, many readers, through GRDB).
/// SQLite-only concerns stay here: pragmas, migrations, the online backup, the event id
/// sequence.
public final class SQLiteStore: ChatStore {
    /// The writer (group commit) and the migrations; reads go through `readers`.
    let pool: DatabasePool
    let readers: ReadConnections
    private let committer: GroupCommitter

    /// `onEventsCommitted` runs once after each commit that appended outbox events (the
    /// worker wakes the notifier there); `commitObserver` hears each batch's size and time
    /// (the tests, the worker's metrics; see GroupCommitter).
    public init(path: String, readOnly: Bool = false, onEventsCommitted: @escaping @Sendable () -> Void = {},
                commitObserver: (@Sendable (Int, Duration) -> Void)? = nil,
                statementObserver: (@Sendable (String) -> Void)? = nil) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = readOnly
        config.label = "switchboard"
        if let statementObserver {
            // For tests: every statement any connection runs (to check its query plan).
            config.prepareDatabase { db in db.trace { event in
                if case .statement(let statement) = event { statementObserver(statement.sql) }
            } }
        }
        pool = try DatabasePool(path: path, configuration: config)
        readers = ReadConnections(path: path, configuration: config)
        if !readOnly {
            // FULL: a message that got a 2xx survives power loss (DESIGN.md: NORMAL only with a
            // measured reason). Set on the writer after the pool is open: GRDB's WAL setup sets
            // NORMAL after any prepareDatabase hook has run (measured: 0.03 flushes per commit).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            // Deleted rows are overwritten with zeros, so an erased contact's words do not
            // linger in free pages (API.md "Export and erasure"); every delete happens here,
            // on the writer. The WAL is emptied after an erasure (`scrub`).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        }
        committer = GroupCommitter(pool: pool, onEventsCommitted: onEventsCommitted, observer: commitObserver)
    }

    /// Opens the database the configuration names. The data directory is made (or made
    /// again) private to the service's user, 0700, and the database files 0600: chats and
    /// credential hashes are nobody else's business on a shared machine.
    public convenience init(config: Config, readOnly: Bool = false, onEventsCommitted: @escaping @Sendable () -> Void = {},
                            commitObserver: (@Sendable (Int, Duration) -> Void)? = nil) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: config.dataDir)
        let oldMask = umask(0o077)
        defer { umask(oldMask) }
        try self.init(path: config.databasePath, readOnly: readOnly, onEventsCommitted: onEventsCommitted,
                      commitObserver: commitObserver)
        for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: config.databasePath + suffix) {
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.databasePath + suffix)
        }
    }

    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        try Self.storage { try readers.read { db in try body(SQLiteRows(db: db)) } }
    }

    /// Runs `body` in its own savepoint of the next group commit and returns after that
    /// commit (see GroupCommitter).
    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var value: T?
            let job = GroupCommitter.Job { db, job in value = try body(SQLiteRows(db: db, job: job)) }
            try Self.storage { try committer.submit(job) }
            return value!
        }
    }

    /// SQLite failures of the medium, not of the request (disk full, read-only file, I/O
    /// error, a lock held too long), become 503 `storage_unavailable`; the transaction was
    /// rolled back, so nothing half-written stays, and the service resumes by itself once
    /// the cause is gone.
    static func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where Self.unavailable.contains(error.resultCode) {
            throw AppError.storageUnavailable(cause: "\(error.resultCode): \(error.message ?? "")")
        }
    }

    private static let unavailable: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN,
                                                       .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_PROTOCOL, .SQLITE_NOLFS]

    /// Applies the migrations that have not run yet.
    public func migrate() throws {
        try Migrations.migrator.migrate(pool)
    }

    /// Where the database's schema stands against the migrations this build knows.
    public func schema() throws -> SchemaVersion {
        try readers.read { db in
            SchemaVersion(applied: try Migrations.migrator.appliedIdentifiers(db).sorted(), known: Migrations.migrator.migrations)
        }
    }

    /// Names of the migrations already applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try readers.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// After an erasure: a TRUNCATE checkpoint copies the WAL into the database (where
    /// `secure_delete` zeroed the erased rows) and empties the WAL file, where the rows' old
    /// pages would otherwise stay until overwritten. A reader in the middle of a read makes
    /// it wait (busy timeout), never fail the erasure; a checkpoint left busy is tried again
    /// by the next erasure or SQLite's automatic checkpoints.
    public func scrub() throws {
        try Self.storage {
            try pool.writeWithoutTransaction { db in
                // A deleted row leaves its words in the search index's older segments until
                // they merge: merge them all now (with secure_delete the old pages are zeroed).
                try db.execute(sql: """
                    INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
                    INSERT INTO notes_fts (notes_fts) VALUES ('optimize');
                    INSERT INTO contacts_fts (contacts_fts) VALUES ('optimize');
                    """)
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }

    /// The writer connection's `PRAGMA secure_delete` (1 = on).
    public func writerSecureDelete() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? -1 }
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
