import SwitchboardCore

/// An ephemeral typing indicator: never stored, delivered without an SSE id.
public struct TypingSignal: Sendable, Equatable {
    public let conversationId: String
    public let sender: SenderType
    public let agentId: String?
    public let agentName: String?
    public let typing: Bool

    public init(conversationId: String, sender: SenderType, agentId: String?, agentName: String?, typing: Bool) {
        self.conversationId = conversationId
        self.sender = sender
        self.agentId = agentId
        self.agentName = agentName
        self.typing = typing
    }

    public var eventName: EventName { sender == .agent ? .agentTyping : .customerTyping }

    /// The `data:` JSON of the SSE frame.
    public func payload() throws -> String {
        try WireJSON.string(EventPayload.Typing(conversationId: conversationId, typing: typing, agentId: agentId, agentName: agentName))
    }
}

/// Where the API sends realtime hints: the worker's implementation sends datagrams to the notifier.
public protocol RealtimeSink: Sendable {
    func typing(_ signal: TypingSignal)
}

/// For in-process tests and tools that have no notifier: records nothing, sends nothing.
public struct NoRealtime: RealtimeSink {
    public init() {}
    public func typing(_ signal: TypingSignal) {}
}
