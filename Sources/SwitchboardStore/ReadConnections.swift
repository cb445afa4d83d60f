import GRDB
import POSIXSupport

/// The read connections, one per thread reading at that moment, handed out from a free
/// list under a short lock. GRDB's `DatabasePool` hands out its readers through a shared
/// concurrent dispatch queue; under 64 concurrent requests the worker spent more time
/// parked in that queue (`__DISPATCH_WAIT_FOR_QUEUE__`, futex wake-ups) than reading
/// (`perf`: ~20 % of its CPU in scheduler switches). Here a thread takes a connection, reads
/// in a transaction of its own (WAL: a snapshot of the last commit, never blocking the
/// writer), and puts it back; each connection's serial queue only ever sees one thread, so
/// GRDB's `sync` onto it never waits. Connections are opened when first needed, so there
/// are never more than threads that read at once.
final class ReadConnections: @unchecked Sendable {
    private let path: String
    private let configuration: Configuration
    /// Not Synchronization.Mutex: see PlainLock.
    private let lock = PlainLock()
    /// Guarded by `lock`.
    private var free: [DatabaseQueue] = []

    init(path: String, configuration: Configuration) {
        var configuration = configuration
        configuration.readonly = true
        self.path = path
        self.configuration = configuration
    }

    /// Runs `body` in a read transaction on a connection of its own.
    ///
    /// The transaction is a cached `BEGIN` and `COMMIT` rather than GRDB's `read`, which
    /// parses its `BEGIN DEFERRED TRANSACTION` anew every time and toggles the connection's
    /// read-only state around it (perf: ~8 % of a one-query request). The connection is
    /// opened read-only (SQLITE_OPEN_READONLY), so `body` cannot write whatever it runs.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        let spare = lock.withLock { free.popLast() }
        let connection = try spare ?? DatabaseQueue(path: path, configuration: configuration)
        defer { lock.withLock { free.append(connection) } }
        return try connection.inDatabase { db in
            try db.cachedStatement(sql: "BEGIN").execute()
            do {
                let value = try body(db)
                try db.cachedStatement(sql: "COMMIT").execute()
                return value
            } catch {
                if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK").execute() }
                throw error
            }
        }
    }
}
