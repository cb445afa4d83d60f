#if canImport(Glibc)
import Glibc
#endif

/// A plain pthread mutex for very short critical sections on hot paths. On Linux,
/// Synchronization.Mutex is a priority-inheritance futex: contended, every wait goes
/// through the kernel's rt_mutex (perf showed ~5 % of the worker's CPU there under 64
/// concurrent requests); a normal mutex spins briefly in user space first.
public final class PlainLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        // Adaptive: spins a little before sleeping (glibc's PTHREAD_MUTEX_ADAPTIVE_NP).
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
