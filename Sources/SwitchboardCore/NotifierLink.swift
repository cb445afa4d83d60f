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

/// Who an event stream belongs to, as the worker verified it for nginx's `auth_request`.
/// The worker answers with these headers, nginx copies them onto the proxied request
/// (overwriting any a client sent), and the notifier trusts nothing else.
public enum Identity: Equatable, Sendable {
    /// A customer stream of one conversation; `sessionId` names the sign-in (a `login`
    /// session) it was opened with, nil for an anonymous session, so a logout can end the
    /// streams of that one device.
    case customer(conversationId: String, sessionId: String? = nil)
    case agent(agentId: String)

    /// The header names of the contract, shared by the worker's answer and the notifier.
    public enum Header {
        public static let identity = "X-Switchboard-Identity"
        public static let conversation = "X-Switchboard-Conversation"
        public static let agent = "X-Switchboard-Agent"
        public static let session = "X-Switchboard-Session"
    }

    /// From the header values; nil unless they name exactly one valid identity kind.
    public init?(kind: String?, conversationId: String?, agentId: String?, sessionId: String? = nil) {
        switch kind {
        case "customer":
            guard let conversationId, !conversationId.isEmpty else { return nil }
            self = .customer(conversationId: conversationId, sessionId: sessionId.flatMap { $0.isEmpty ? nil : $0 })
        case "agent":
            guard let agentId, !agentId.isEmpty else { return nil }
            self = .agent(agentId: agentId)
        default:
            return nil
        }
    }

    /// The headers of the worker's 204 answer to `auth_request`.
    public var headers: [(String, String)] {
        switch self {
        case .customer(let conversationId, let sessionId):
            [(Header.identity, "customer"), (Header.conversation, conversationId)] + (sessionId.map { [(Header.session, $0)] } ?? [])
        case .agent(let agentId): [(Header.identity, "agent"), (Header.agent, agentId)]
        }
    }

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
