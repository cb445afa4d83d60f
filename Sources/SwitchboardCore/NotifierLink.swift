/// The worker → notifier datagram (docs/CONTRACTS.md "Worker ↔ notifier"). Both ends use
/// this one type, so the byte format cannot drift between the sender and the receiver.
/// It is a hint: losing one only delays delivery until the notifier's fallback poll.
public enum NotifierDatagram: Equatable, Sendable {
    /// `W`: new events are committed; read the outbox.
    case wake
    /// `T<name>\n<conversation id>\n<data JSON>`: a typing indicator, never stored. The
    /// notifier routes it on the name and conversation without parsing the JSON.
    case typing(name: EventName, conversationId: String, data: String)

    private static let wakeByte = UInt8(ascii: "W")
    private static let typingByte = UInt8(ascii: "T")
    private static let newline = UInt8(ascii: "\n")

    public func encode() -> [UInt8] {
        switch self {
        case .wake:
            return [Self.wakeByte]
        case .typing(let name, let conversationId, let data):
            return [Self.typingByte] + Array("\(name.rawValue)\n\(conversationId)\n\(data)".utf8)
        }
    }

    /// Nil for anything the notifier must ignore: empty, an unknown kind, a typing
    /// datagram without its three parts, with a name that is not a typing event, or with
    /// a newline in its data (the data becomes one SSE `data:` line).
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> NotifierDatagram? {
        guard let kind = bytes.first else { return nil }
        switch kind {
        case wakeByte:
            return .wake
        case typingByte:
            let parts = bytes.dropFirst().split(separator: newline, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3,
                  let name = EventName(rawValue: String(decoding: parts[0], as: UTF8.self)),
                  name == .agentTyping || name == .customerTyping,
                  !parts[2].contains(newline) else { return nil }
            return .typing(name: name, conversationId: String(decoding: parts[1], as: UTF8.self),
                           data: String(decoding: parts[2], as: UTF8.self))
        default:
            return nil
        }
    }
}

/// Who an event stream belongs to, as the stream's credentials proved it
/// (`ChatService.listener`, run by the notifier for every stream; DESIGN.md "Who may listen").
public enum Identity: Equatable, Sendable {
    /// A customer stream of one conversation; `sessionId` names the sign-in (a `login`
    /// session) it was opened with, nil for an anonymous session, so a logout can end the
    /// streams of that one device.
    case customer(conversationId: String, sessionId: String? = nil)
    case agent(agentId: String)

    /// The conversation a customer stream is limited to; nil for agents.
    public var conversationId: String? {
        if case .customer(let id, _) = self { return id }
        return nil
    }

    /// The customer sign-in a stream was opened with.
    public var sessionId: String? {
        if case .customer(_, let session) = self { return session }
        return nil
    }
}

/// What a request for `GET /api/v1/events` presents, exactly as the client sent it: the
/// notifier copies these out of the request and `ChatService.listener` judges them.
public struct StreamCredentials: Sendable, Equatable {
    /// The `Authorization` header (agents and API keys: `Bearer <token>`).
    public var authorization: String?
    /// The `X-Customer-Session-Id` header (customers).
    public var customerSessionId: String?
    /// The `conversation_id` of the stream's query (customers name their conversation).
    public var conversationId: String?

    public init(authorization: String? = nil, customerSessionId: String? = nil, conversationId: String? = nil) {
        self.authorization = authorization
        self.customerSessionId = customerSessionId
        self.conversationId = conversationId
    }
}

/// A stream's identity and the newest event id in the snapshot that proved it: a revocation
/// that the check could not see has a larger id, so the notifier knows which of the
/// revocations it has already fanned out this stream must still honour.
public struct StreamGrant: Sendable, Equatable {
    public let identity: Identity
    public let asOfEventId: Int64

    public init(identity: Identity, asOfEventId: Int64) {
        self.identity = identity
        self.asOfEventId = asOfEventId
    }
}
