import Dispatch
import SwitchboardCore
import Synchronization

/// Writes the hub's stream openings and closings to the store (`stream_presence`), where the
/// worker's presence and unseen-reply rules read them. Off the event loop, in order, and
/// coalesced: whatever changed while a write was running goes in the next one transaction.
public final class StreamRecorder: Sendable {
    public typealias Change = (subject: StreamPresence.Subject, open: Bool, at: Timestamp)

    private let write: @Sendable ([Change]) throws -> Void
    private let failed: @Sendable (any Error) -> Void
    private let queue = DispatchQueue(label: "switchboard.stream-recorder")
    private let pending = Mutex<(changes: [Change], scheduled: Bool)>(([], false))

    /// `write` stores the changes in one transaction; `failed` hears of a write that did not.
    public init(write: @escaping @Sendable ([Change]) throws -> Void, failed: @escaping @Sendable (any Error) -> Void) {
        self.write = write
        self.failed = failed
    }

    public func record(_ subject: StreamPresence.Subject, open: Bool, at: Timestamp = .now()) {
        let schedule = pending.withLock { state in
            state.changes.append((subject, open, at))
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule { queue.async { self.flush() } }
    }

    /// Waits until everything recorded so far is written (shutdown, tests).
    public func drain() {
        queue.sync {}
    }

    private func flush() {
        let changes = pending.withLock { state -> [Change] in
            defer { state = ([], false) }
            return state.changes
        }
        guard !changes.isEmpty else { return }
        do {
            try write(changes)
        } catch {
            failed(error)
        }
    }
}
