import GRDB
import SwitchboardCore

/// What the notifier reads: the outbox after a cursor, its bounds, and pruning.
extension SQLiteStore {
    /// The newest event id, read on its own.
    public func latestEventId() throws -> Int64 {
        try readers.read { db in try SQLiteRows(db: db).latestEventId() }
    }

    /// Events after `cursor`, oldest first, at most `limit`; with `conversationId`, only
    /// the events that conversation's customer may see.
    public func events(after cursor: Int64, conversationId: String? = nil, limit: Int = 500) throws -> [StoredEvent] {
        try readers.read { db in
            // A customer's replay: its conversation's events and those for every conversation
            // (availability), both from the (conversation_id, id) index.
            let filter = conversationId == nil ? "" : "AND conversation_id IN (?, '\(ChatEvent.everyConversation)') AND audience = 'conversation'"
            var arguments: StatementArguments = [cursor]
            if let conversationId { arguments += [conversationId] }
            arguments += [limit]
            return try Row.decodeAll(try db.cachedStatement(sql: "SELECT id, name, audience, conversation_id, data, created_at FROM events WHERE id > ? \(filter) ORDER BY id LIMIT ?"),
                                    arguments: arguments) { row in
                StoredEvent(id: row["id"], name: row["name"], audience: EventAudience(rawValue: row["audience"]) ?? .agents,
                            conversationId: row["conversation_id"], data: row["data"],
                            createdAt: Timestamp(milliseconds: row["created_at"]))
            }
        }
    }

    /// The oldest event id still stored (0 when none): a resume cursor below `oldest - 1` has a gap.
    public func oldestEventId() throws -> Int64 {
        try readers.read { db in try Int64.fetchOne(try db.cachedStatement(sql: "SELECT MIN(id) FROM events")) ?? 0 }
    }

    /// Deletes events older than `olderThan`, keeping the newest one so ids stay anchored.
    @discardableResult
    public func pruneEvents(olderThan: Timestamp) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM events WHERE created_at < ? AND id < (SELECT MAX(id) FROM events)",
                           arguments: [olderThan.milliseconds])
            return db.changesCount
        }
    }
}

extension SQLiteStore {
    /// The lines of `EXPLAIN QUERY PLAN` for a statement, its parameters bound to NULL (tests).
    func plan(of sql: String) throws -> [String] {
        try readers.read { db in
            let statement = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
            let nulls = StatementArguments(Array(repeating: DatabaseValue.null, count: sql.filter { $0 == "?" }.count))
            return try Row.decodeAll(statement, arguments: nulls) { $0["detail"] as String }
        }
    }
}
