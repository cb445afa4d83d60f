import Dispatch
import POSIXSupport
import SwitchboardCore

/// A value read from the store that rarely changes and is read on hot paths (the FAQs: every
/// widget load and every message the bot answers), kept in memory. A write through this
/// service invalidates it at once; a write by another process (the CLI, a second worker) is
/// seen within `ttlSeconds`. A load that raced an invalidation is not kept.
final class ReadCache<Value: Sendable>: @unchecked Sendable {
    private let ttlNanoseconds: UInt64
    /// Not Synchronization.Mutex: see PlainLock. Guards the three below.
    private let lock = PlainLock()
    private var value: Value?
    private var loadedAt: UInt64 = 0
    private var generation = 0

    init(ttlSeconds: Double) {
        ttlNanoseconds = UInt64(ttlSeconds * 1_000_000_000)
    }

    func get(_ load: () throws -> Value) rethrows -> Value {
        let now = DispatchTime.now().uptimeNanoseconds
        let (cached, started) = lock.withLock { (value.flatMap { now &- loadedAt < ttlNanoseconds ? $0 : nil }, generation) }
        if let cached { return cached }
        let fresh = try load()
        lock.withLock {
            if generation == started {
                value = fresh
                loadedAt = now
            }
        }
        return fresh
    }

    func invalidate() {
        lock.withLock {
            generation += 1
            value = nil
        }
    }
}

/// Agents by bearer token (its SHA-256), for the authentication every agent request starts
/// with. Any write transaction through this service drops every entry (after its commit:
/// logout, disabling, a new password, a presence or profile change are all writes), so this
/// process never answers from a copy older than its own last write; a change made by
/// another process (the CLI) is seen within `ttlSeconds`. Only known tokens are kept, and
/// at most `capacity` of them: unknown tokens cost a read, never memory.
final class TokenCache: @unchecked Sendable {
    private let ttlNanoseconds: UInt64
    private let capacity: Int
    /// Not Synchronization.Mutex: see PlainLock. Guards the two below.
    private let lock = PlainLock()
    private var entries: [[UInt8]: (agent: Agent, loadedAt: UInt64)] = [:]
    private var generation = 0

    init(ttlSeconds: Double, capacity: Int = 4096) {
        ttlNanoseconds = UInt64(ttlSeconds * 1_000_000_000)
        self.capacity = capacity
    }

    func get(_ hash: [UInt8], _ load: () throws -> Agent?) rethrows -> Agent? {
        let now = DispatchTime.now().uptimeNanoseconds
        let (cached, started) = lock.withLock { () -> (Agent?, Int) in
            guard let entry = entries[hash], now &- entry.loadedAt < ttlNanoseconds else { return (nil, generation) }
            return (entry.agent, generation)
        }
        if let cached { return cached }
        let fresh = try load()
        if let fresh {
            lock.withLock {
                guard generation == started else { return }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[hash] = (fresh, now)
            }
        }
        return fresh
    }

    func invalidate() {
        lock.withLock {
            generation += 1
            entries.removeAll(keepingCapacity: true)
        }
    }
}

/// The service's in-memory copies, shared by every copy of the (value-type) service.
final class ServiceCaches: Sendable {
    /// Agents by token hash; dropped by every write (see TokenCache).
    let tokens = TokenCache(ttlSeconds: 1)
    /// The enabled FAQs in display order.
    let faqs = ReadCache<[FAQ]>(ttlSeconds: 1)
    /// The bot's matcher over those FAQs (dropped with them).
    let matcher = ReadCache<FAQMatcher>(ttlSeconds: 1)
    /// The shop's settings (the defaults until some are saved).
    let settings = ReadCache<Settings>(ttlSeconds: 1)
}
