import SwitchboardCore

/// What a monitoring scrape reads from the database (API.md "Metrics").
public struct QueueSnapshot: Sendable {
    public var chats: Int
    /// How long the oldest chat in the queue has waited; 0 when none waits.
    public var oldestWaitSeconds: Double
    public var agentsOnline: Int
}

extension ChatService {
    /// The queue's length and its oldest wait, and who is online: three indexed reads.
    public func queueSnapshot(at now: Timestamp = .now()) throws -> QueueSnapshot {
        try read { rows in
            let oldest = try rows.conversations(.queue(limit: 1)).first?.0.requestedAgentAt
            return QueueSnapshot(chats: try rows.count(.queue(limit: 1)),
                                 oldestWaitSeconds: oldest.map { Double(max(0, now.milliseconds - $0.milliseconds)) / 1000 } ?? 0,
                                 agentsOnline: try rows.onlineAgentCount())
        }
    }
}
