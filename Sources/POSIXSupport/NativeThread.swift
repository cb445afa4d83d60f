#if canImport(Glibc)
import Glibc
#endif

/// A plain pthread running a Swift closure, for loops that block in C calls (accept,
/// recv) and so must stay off Swift's cooperative pool. Call sites hand over a closure;
/// the retain/release across the C start routine lives only here.
public struct NativeThread: Sendable {
    private let handle: pthread_t

    /// Starts a joinable thread; call `join()` once.
    public static func start(_ body: @escaping @Sendable () -> Void) throws(SystemCallError) -> NativeThread {
        NativeThread(handle: try spawn(body))
    }

    /// Starts a thread nobody joins (it lives as long as the process or ends on its own).
    public static func detach(_ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        pthread_detach(try spawn(body))
    }

    /// Waits for the thread to end.
    public func join() {
        pthread_join(handle, nil)
    }

    /// Carries the closure through pthread_create's single untyped argument.
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private static func spawn(_ body: @escaping @Sendable () -> Void) throws(SystemCallError) -> pthread_t {
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            throw SystemCallError(call: "pthread_create", code: rc)
        }
        return thread
    }
}
