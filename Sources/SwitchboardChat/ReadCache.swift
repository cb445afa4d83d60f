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

/// The service's in-memory copies, shared by every copy of the (value-type) service.
final class ServiceCaches: Sendable {
    /// The enabled FAQs in display order.
    let faqs = ReadCache<[FAQ]>(ttlSeconds: 1)
    /// The shop's settings (the defaults until some are saved).
    let settings = ReadCache<Settings>(ttlSeconds: 1)
}
