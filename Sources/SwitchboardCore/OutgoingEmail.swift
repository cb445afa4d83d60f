/// One e-mail in the `emails` outbox: written in the same transaction as its cause, sent
/// later by the background sender (never inside a request), at most once after the SMTP
/// server accepted it.
public struct OutgoingEmail: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// A shopper left a message while nobody was there → the shop.
        case offlineMessage = "offline_message"
        /// An agent's reply the shopper has not seen → the shopper.
        case unseenReply = "unseen_reply"
        /// The conversation as it closed → the shopper, who asked for it.
        case transcript
        /// An admin invited an agent: a link to choose their password → the agent.
        case invitation
        /// A forgotten password: a link to choose a new one → the agent.
        case passwordReset = "password_reset"
        /// A webhook endpoint failed for a day and was disabled → each admin.
        case webhookDisabled = "webhook_disabled"

        /// The e-mail carries a single-use link: its stored body loses the link once sent.
        public var carriesLink: Bool { self == .invitation || self == .passwordReset }
    }

    public enum State: String, Sendable {
        /// Not decided yet: an unseen-reply e-mail waits until `notBefore` to see whether the reply was seen.
        case waiting
        /// To be sent at `notBefore` or later.
        case pending
        /// Handed to the SMTP server by a sender now (until `notBefore`, its lease).
        case sending
        case sent
        /// Not needed any more (the reply was seen).
        case cancelled
        /// Given up after too many attempts.
        case failed
    }

    /// Assigned by the store (0 before insertion).
    public var id: Int64
    public var kind: Kind
    public var conversationId: String?
    public var recipient: String
    public var replyTo: String?
    public var subject: String
    /// Plain text; empty while `waiting`.
    public var body: String
    public var state: State
    public var notBefore: Timestamp
    public var attempts: Int
    public var lastError: String?
    /// Unseen replies: the first reply's `seq` (the e-mail carries the agent messages from it on).
    public var anchorSeq: Int64?
    public var createdAt: Timestamp
    public var sentAt: Timestamp?

    public init(id: Int64 = 0, kind: Kind, conversationId: String?, recipient: String, replyTo: String? = nil,
                subject: String, body: String, state: State, notBefore: Timestamp, attempts: Int = 0,
                lastError: String? = nil, anchorSeq: Int64? = nil, createdAt: Timestamp, sentAt: Timestamp? = nil) {
        self.id = id
        self.kind = kind
        self.conversationId = conversationId
        self.recipient = recipient
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.state = state
        self.notBefore = notBefore
        self.attempts = attempts
        self.lastError = lastError
        self.anchorSeq = anchorSeq
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// Whether someone has an event stream open: an agent's console, or a customer's widget on
/// one conversation. The notifier records each change; presence and "seen" rules read it.
public struct StreamPresence: Equatable, Sendable {
    public enum Subject: Hashable, Sendable {
        case agent(String)
        case conversation(String)

        public var key: String {
            switch self {
            case .agent(let id): "agent:" + id
            case .conversation(let id): "conversation:" + id
            }
        }
    }

    /// At least one stream is open now.
    public var open: Bool
    /// When the last stream opened or the last one closed.
    public var changedAt: Timestamp

    public init(open: Bool, changedAt: Timestamp) {
        self.open = open
        self.changedAt = changedAt
    }
}
