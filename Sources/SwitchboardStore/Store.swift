import Foundation
import GRDB
import SwitchboardCore

/// The one place that reads and writes the SQLite database (WAL, one writer, many readers).
/// Every state change that someone must hear about writes its `events` row in the same
/// transaction (the outbox); after the commit `onEventsCommitted` is called so the worker
/// can wake the notifier.
public final class Store: Sendable {
    let pool: DatabasePool
    public let routing: RoutingMode
    public let tokenTTLSeconds: Int64
    let hasher: PasswordHasher
    /// Called after a commit that wrote at least one event (best effort, never blocks).
    let onEventsCommitted: @Sendable () -> Void

    public init(path: String, routing: RoutingMode = .auto, tokenTTLSeconds: Int64 = 43200,
                hasher: PasswordHasher = PasswordHasher(), readOnly: Bool = false,
                onEventsCommitted: @escaping @Sendable () -> Void = {}) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = readOnly
        config.label = "switchboard"
        config.prepareDatabase { db in
            // FULL: a committed message survives power loss (DESIGN.md: NORMAL only with a measured reason).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: config)
        self.routing = routing
        self.tokenTTLSeconds = tokenTTLSeconds
        self.hasher = hasher
        self.onEventsCommitted = onEventsCommitted
    }

    /// Opens the store described by the configuration (creating the data directory).
    public convenience init(config: Config, readOnly: Bool = false, onEventsCommitted: @escaping @Sendable () -> Void = {}) throws {
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        try self.init(path: config.databasePath, routing: config.routing, tokenTTLSeconds: config.tokenTTLSeconds,
                      hasher: PasswordHasher(logN: config.scryptLogN, maxConcurrent: config.maxConcurrentHashes),
                      readOnly: readOnly, onEventsCommitted: onEventsCommitted)
    }

    /// Applies the migrations that have not run yet.
    public func migrate() throws {
        try Migrations.migrator.migrate(pool)
    }

    /// Names of the migrations already applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// A write transaction with an outbox: events appended to it are inserted in the same
    /// transaction, and the wake-up hook runs only after the commit succeeded.
    func write<T>(_ body: (Database, inout Outbox) throws -> T) throws -> T {
        let (value, wrote) = try pool.write { db -> (T, Bool) in
            var outbox = Outbox(db: db)
            let value = try body(db, &outbox)
            return (value, outbox.count > 0)
        }
        if wrote { onEventsCommitted() }
        return value
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// A cheap query that proves the database answers.
    public func ping() throws -> Int64 {
        try pool.read { db in try Store.latestEventId(db) }
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

    static func newId() -> String { UUID().uuidString.lowercased() }
}

/// The events of one write transaction: each is inserted at once, so a read later in the
/// same transaction (the `last_event_id` of an answer) already sees it.
struct Outbox {
    let db: Database
    private(set) var count = 0

    mutating func add(_ name: EventName, _ audience: EventAudience, conversationId: String?, _ data: JSON) throws {
        try db.execute(
            sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [name.rawValue, audience.rawValue, conversationId, data.text, Timestamp.now().milliseconds])
        count += 1
    }
}
