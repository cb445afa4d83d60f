import Dispatch
import POSIXSupport
import SwitchboardCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where password hashes run: a few threads of their own at a lower CPU priority, with a
/// bounded wait queue. A login flood therefore costs at most `threads + queue` request
/// threads (the callers wait asleep) and the hashing yields the CPU to every other request;
/// past that a login is refused at once with 503 and `Retry-After` instead of queueing
/// without bound (each scrypt hash also holds ~128 MiB).
final class HashPool: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var waiting = 0
        var started = false
    }

    let threads: Int
    let queue: Int
    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    init(threads: Int, queue: Int) {
        self.threads = max(1, threads)
        self.queue = max(0, queue)
    }

    /// Runs `work` on a pool thread and waits for it; 503 at once when `threads + queue` are taken.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) throws -> T {
        let admitted = state.withLock { s -> Bool in
            guard s.waiting < threads + queue else { return false }
            s.waiting += 1
            return true
        }
        guard admitted else {
            throw AppError(status: 503, code: "busy",
                           detail: "Too many sign-ins are being checked right now; try again in a second.", retryAfter: 1)
        }
        defer { state.withLock { $0.waiting -= 1 } }
        startIfNeeded()
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        state.withLock { $0.jobs.append { result.withLock { $0 = Result { try work() } }; done.signal() } }
        available.signal()
        done.wait()
        return try result.withLock { $0! }.get()
    }

    private func startIfNeeded() {
        let start = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard start else { return }
        for _ in 0..<threads {
            try? NativeThread.detach { [self] in
                // Lower this thread only: on Linux the nice value is per thread, and 0 means the caller.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                while true {
                    available.wait()
                    let job = state.withLock { $0.jobs.isEmpty ? nil : $0.jobs.removeFirst() }
                    job?()
                }
            }
        }
    }
}
