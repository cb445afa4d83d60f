/// An outbox event as stored: what the notifier replays and fans out. In Core so the
/// notifier reads it through its own protocol without depending on the SQLite store.
public struct StoredEvent: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let audience: EventAudience
    public let conversationId: String?
    public let data: String
    public let createdAt: Timestamp

    public init(id: Int64, name: String, audience: EventAudience, conversationId: String?, data: String, createdAt: Timestamp) {
        self.id = id
        self.name = name
        self.audience = audience
        self.conversationId = conversationId
        self.data = data
        self.createdAt = createdAt
    }
}
