import Dispatch
import POSIXSupport
import SwitchboardCore

/// Where the caches read the time: the system's monotonic clock, or a test's own (so a test
/// of a cache's lifetime moves time instead of sleeping through it).
public struct CacheClock: Sendable {
    /// Nanoseconds on a monotonic scale.
    let now: @Sendable () -> UInt64

    public init(nanoseconds now: @escaping @Sendable () -> UInt64) { self.now = now }

    public static let system = CacheClock { DispatchTime.now().uptimeNanoseconds }
}

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
    private let clock: CacheClock

    init(ttlSeconds: Double, clock: CacheClock) {
        ttlNanoseconds = UInt64(ttlSeconds * 1_000_000_000)
        self.clock = clock
    }

    func get(_ load: () throws -> Value) rethrows -> Value {
        let now = clock.now()
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
/// with. A write transaction of this service that changes agents, tokens or sessions
/// (`Transaction.accounts`: logout, disabling, a new password, a presence or profile change)
/// drops every entry after its commit, so this process never answers from a copy older than
/// its own last such write; messages, claims and the like leave it be; a change made by
/// another process (the CLI) is seen within `ttlSeconds`. Only known tokens are kept, and
/// at most `capacity` of them: unknown tokens cost a read, never memory.
final class TokenCache: @unchecked Sendable {
    private let ttlNanoseconds: UInt64
    private let capacity: Int
    /// Not Synchronization.Mutex: see PlainLock. Guards the two below.
    private let lock = PlainLock()
    private var entries: [[UInt8]: (agent: Agent, loadedAt: UInt64)] = [:]
    private var generation = 0

    private let clock: CacheClock

    init(ttlSeconds: Double, capacity: Int = 4096, clock: CacheClock) {
        ttlNanoseconds = UInt64(ttlSeconds * 1_000_000_000)
        self.capacity = capacity
        self.clock = clock
    }

    func get(_ hash: [UInt8], _ load: () throws -> Agent?) rethrows -> Agent? {
        let now = clock.now()
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
    /// Agents by token hash; dropped by writes that change accounts (see TokenCache).
    let tokens: TokenCache
    /// The enabled FAQs in display order.
    let faqs: ReadCache<[FAQ]>
    /// The bot's matcher over those FAQs (dropped with them).
    let matcher: ReadCache<FAQMatcher>
    /// The shop's settings (the defaults until some are saved).
    let settings: ReadCache<Settings>
    /// The key file links are signed with (derived from the installation's secret, which
    /// never changes: kept for an hour).
    let fileLinkKey: ReadCache<[UInt8]>

    /// When each refused widget site was last written down.
    let blockedSites: RecentKeys
    /// The availability this process announced last (`availability.changed`).
    let announcedAvailability = Latest<Availability>()

    /// How long a change by another process may go unseen.
    static let ttlSeconds = 1.0

    init(clock: CacheClock) {
        blockedSites = RecentKeys(intervalSeconds: 60, capacity: 1024, clock: clock)
        tokens = TokenCache(ttlSeconds: Self.ttlSeconds, clock: clock)
        fileLinkKey = ReadCache(ttlSeconds: 3600, clock: clock)
        faqs = ReadCache(ttlSeconds: Self.ttlSeconds, clock: clock)
        matcher = ReadCache(ttlSeconds: Self.ttlSeconds, clock: clock)
        settings = ReadCache(ttlSeconds: Self.ttlSeconds, clock: clock)
    }
}

/// Keys seen lately, so a repeated event is written down at most once per interval (a
/// refused widget site loads its frame on every page view). Bounded: when full it forgets
/// everything, which costs at most one extra write per key.
final class RecentKeys: @unchecked Sendable {
    private let intervalNanoseconds: UInt64
    private let capacity: Int
    private let clock: CacheClock
    /// Not Synchronization.Mutex: see PlainLock. Guards `seen`.
    private let lock = PlainLock()
    private var seen: [String: UInt64] = [:]

    init(intervalSeconds: Double, capacity: Int, clock: CacheClock) {
        intervalNanoseconds = UInt64(intervalSeconds * 1_000_000_000)
        self.capacity = capacity
        self.clock = clock
    }

    /// True when `key` was not seen within the interval (and notes it now).
    func isDue(_ key: String) -> Bool {
        let now = clock.now()
        return lock.withLock {
            if let last = seen[key], now &- last < intervalNanoseconds { return false }
            if seen.count >= capacity { seen.removeAll(keepingCapacity: true) }
            seen[key] = now
            return true
        }
    }
}

/// One value shared by threads: the newest set, swapped in one step.
final class Latest<Value: Sendable & Equatable>: @unchecked Sendable {
    /// Not Synchronization.Mutex: see PlainLock. Guards `value`.
    private let lock = PlainLock()
    private var value: Value?

    /// Stores `new` and returns what was there.
    func swap(_ new: Value) -> Value? {
        lock.withLock {
            let old = value
            value = new
            return old
        }
    }
}
