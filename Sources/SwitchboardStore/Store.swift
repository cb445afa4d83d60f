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
        pool = try DatabasePool(path: path, configuration: config)
        if !readOnly {
            // FULL: a message that got a 2xx survives power loss (DESIGN.md: NORMAL only with a
            // measured reason). Set on the writer after the pool is open: GRDB's WAL setup sets
            // NORMAL after any prepareDatabase hook has run (measured: 0.03 flushes per commit).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
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

    /// The writer connection's `PRAGMA synchronous` (2 = FULL).
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
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

    /// A random (version 4) UUID, lower-case. Built from the kernel CSPRNG directly:
    /// Foundation's UUID() opened /dev/urandom on every call (seen in strace under load).
    static func newId() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = (rng.next() as UInt64, rng.next() as UInt64)
        bytes.0 = (bytes.0 & ~(0xF << 12)) | (0x4 << 12)              // version 4
        bytes.1 = (bytes.1 & ~(0x3 << 62)) | (0x2 << 62)              // RFC 4122 variant
        let hex = String(bytes.0, radix: 16).leftPadded(16) + String(bytes.1, radix: 16).leftPadded(16)
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
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
