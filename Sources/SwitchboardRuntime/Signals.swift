import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `handler` (on a global queue) when SIGTERM or SIGINT arrives. Defined outside
/// main.swift on purpose: closures written in top-level code are main-actor isolated,
/// and a dispatch handler running one off the main thread traps Swift 6's isolation check.
public func onTerminationSignals(_ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
    [SIGTERM, SIGINT].map { sig in
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { handler(sig) }
        source.resume()
        return source
    }
}
