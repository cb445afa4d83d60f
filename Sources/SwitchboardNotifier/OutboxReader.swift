import NIOCore
import NIOPosix
import SwitchboardCore

/// The part of the store the notifier needs: reading the `events` outbox (and pruning it).
/// The SQLite `Store` conforms as it is; a PostgreSQL store would add its own conformance.
public protocol OutboxReader: Sendable {
    /// Events after `after`, oldest first, at most `limit`; with `conversationId`, only the
    /// events that conversation's customer may see.
    func events(after: Int64, conversationId: String?, limit: Int) throws -> [StoredEvent]
    /// The oldest event id still stored (0 when none).
    func oldestEventId() throws -> Int64
    /// The newest event id ever assigned (ids are never reused, even after pruning).
    func latestEventId() throws -> Int64
    /// Deletes events older than `olderThan`, keeping the newest; returns how many went.
    func pruneEvents(olderThan: Timestamp) throws -> Int
}

/// Where the hub runs its blocking outbox reads: off its event loop, completing on it.
/// Production uses a `NIOThreadPool`; tests run the reads when they choose, which is how
/// they commit events in the middle of a replay deterministically.
public protocol BlockingReads: Sendable {
    func run<T: Sendable>(completingOn loop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T>
}

extension NIOThreadPool: BlockingReads {
    public func run<T: Sendable>(completingOn loop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        runIfActive(eventLoop: loop, work)
    }
}

/// Judges a stream's credentials: the chat service's `listener`, the same code the worker's
/// routes run (the notifier executable declares the conformance). Blocking: one read transaction.
public protocol StreamAuthorizer: Sendable {
    func listener(_ credentials: StreamCredentials) throws -> StreamGrant
}
