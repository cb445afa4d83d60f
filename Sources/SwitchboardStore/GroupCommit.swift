import Dispatch
import GRDB
import POSIXSupport

/// Group commit: one durable commit serves every write waiting at that moment. SQLite has
/// one writer and `synchronous=FULL` costs an fsync per commit, so instead of one
/// transaction per request the first waiting caller becomes the leader, takes the queued
/// writes (at most `maxBatch`, and no more once `maxBatchTime` has passed), runs each in
/// its own SAVEPOINT inside one transaction — a write whose rules fail rolls back only its
/// own savepoint and gets its own error — commits once, and only then wakes every caller
/// of the batch. A lone write commits at once: nobody waits for company. A leader commits
/// until its own write is in, then hands the lead to the oldest waiting caller (if any) and
/// returns to its own: nobody's answer waits for a burst of other people's writes to end.
///
/// What stays exactly as before: a write's effects are visible only after the commit its
/// caller waited for (so no answer is sent before its batch's fsync returned); writes run
/// one after another on the one writer connection, in arrival order, so claims stay atomic
/// (the second claim in a batch sees the first) and outbox ids follow commit order.
final class GroupCommitter: @unchecked Sendable {
    /// One queued write: runs inside the batch's transaction, answers after its commit.
    final class Job: @unchecked Sendable {
        /// Dropped as soon as it ran: the caller's (non-escaping) body must not outlive its call.
        var run: ((Database, Job) throws -> Void)?
        let done = DispatchSemaphore(value: 0)
        /// Set by the leader before `done` is signalled.
        var failure: (any Error)?
        /// Set when the write appended to the outbox (the notifier is woken after the commit).
        var appendedEvents = false
        /// Set (before `done` is signalled) when this caller is handed the lead: it then
        /// commits the queue's batches until its own write is in.
        var leads = false
        init(_ run: @escaping (Database, Job) throws -> Void) { self.run = run }
    }

    private struct Queue {
        var jobs: [Job] = []
        var leading = false
    }

    private let pool: DatabasePool
    /// Not Synchronization.Mutex: every write takes this lock twice (see PlainLock).
    private let lock = PlainLock()
    /// Guarded by `lock`.
    private var queue = Queue()
    let maxBatch: Int
    let maxBatchTime: Duration
    /// Called once after every commit whose batch appended outbox events.
    private let onEventsCommitted: @Sendable () -> Void
    /// Told of each batch's commit (its size and how long it took, BEGIN to COMMIT
    /// returned) before any of its callers is woken: the tests, and the worker's metrics.
    let observer: (@Sendable (Int, Duration) -> Void)?

    init(pool: DatabasePool, maxBatch: Int = 64, maxBatchTime: Duration = .milliseconds(10),
         onEventsCommitted: @escaping @Sendable () -> Void, observer: (@Sendable (Int, Duration) -> Void)? = nil) {
        self.pool = pool
        self.maxBatch = maxBatch
        self.maxBatchTime = maxBatchTime
        self.onEventsCommitted = onEventsCommitted
        self.observer = observer
    }

    /// Queues `job` and returns once the transaction holding it has committed (or failed).
    func submit(_ job: Job) throws {
        let leader = lock.withLock { () -> Bool in
            queue.jobs.append(job)
            if queue.leading { return false }
            queue.leading = true
            return true
        }
        if leader { lead(until: job) }
        job.done.wait()
        if job.leads {
            // Handed the lead while waiting: this write is at the front of the queue.
            job.leads = false
            lead(until: job)
            job.done.wait()
        }
        if let failure = job.failure { throw failure }
    }

    /// Commits batches until `own` has been committed (or failed), then hands the lead to
    /// the oldest waiting write's caller, or gives it up when none waits.
    private func lead(until own: Job) {
        var done = false
        while !done {
            let batch = lock.withLock { () -> [Job] in
                let taken = Array(queue.jobs.prefix(maxBatch))
                queue.jobs.removeFirst(taken.count)
                return taken
            }
            done = batch.isEmpty || commit(batch).contains { $0 === own }
        }
        let next = lock.withLock { () -> Job? in
            guard let first = queue.jobs.first else {
                queue.leading = false
                return nil
            }
            first.leads = true
            return first
        }
        next?.done.signal()
    }

    /// Runs and commits `batch` (or its front, see `maxBatchTime`); returns the writes that ran.
    @discardableResult
    private func commit(_ batch: [Job]) -> [Job] {
        let started = ContinuousClock.now
        var ran: [Job] = []
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction {
                    for job in batch {
                        // Past the time bound the rest goes back to the front of the queue.
                        if !ran.isEmpty && ContinuousClock.now - started > maxBatchTime { break }
                        ran.append(job)
                        let run = job.run
                        job.run = nil
                        // Cached SAVEPOINT / RELEASE / ROLLBACK TO statements rather than
                        // GRDB's inSavepoint, which parses its SQL anew for every write.
                        try db.cachedStatement(sql: "SAVEPOINT job").execute()
                        do {
                            try run?(db, job)
                            try db.cachedStatement(sql: "RELEASE job").execute()
                        } catch {
                            job.failure = error
                            // Undo this write only; if even that fails the batch's transaction
                            // cannot be trusted and the catch below fails every write of it.
                            try db.cachedStatement(sql: "ROLLBACK TO job").execute()
                            try db.cachedStatement(sql: "RELEASE job").execute()
                        }
                    }
                    return .commit
                }
            }
        } catch {
            // The transaction failed (BEGIN or COMMIT): nothing of this batch is stored, and
            // every write of it gets the error — none is retried behind its caller's back.
            if ran.isEmpty { ran = batch }
            for job in ran where job.failure == nil { job.failure = error }
        }
        let left = batch.dropFirst(ran.count)
        if !left.isEmpty { lock.withLock { queue.jobs.insert(contentsOf: left, at: 0) } }
        observer?(ran.count, ContinuousClock.now - started)
        if ran.contains(where: { $0.failure == nil && $0.appendedEvents }) { onEventsCommitted() }
        for job in ran { job.done.signal() }
        return ran
    }
}

