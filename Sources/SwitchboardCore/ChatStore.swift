/// Where Switchboard keeps its rows. An implementation only reads and writes rows inside a
/// transaction and appends to the outbox; every rule (transitions, bot, routing,
/// idempotency, which events a change emits) lives in the chat service above it, so a
/// second engine (PostgreSQL) adds an implementation, not a copy of the rules. The same
/// rule tests run against every implementation.
public protocol ChatStore: Sendable {
    /// A consistent snapshot for reads.
    func read<T>(_ body: (any StoreReader) throws -> T) throws -> T
    /// One atomic transaction: everything `body` wrote commits together, or nothing does
    /// when it throws. Events appended are visible to readers in commit order.
    func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T
    /// After personal data was erased: make sure it lingers in none of the engine's files
    /// (SQLite: empties the WAL). Engines with nothing to do keep the default.
    func scrub() throws
}

extension ChatStore {
    public func scrub() throws {}
}

/// The reads the rules need, inside a transaction.
public protocol StoreReader: ContactReader, PasswordLinkReader, NoteReader, CannedReplyReader, LabelReader, SearchReader, ReportReader,
    ApiKeyReader, WebhookReader, AttachmentReader {
    func conversation(id: String) throws -> Conversation?
    /// The conversation with the SHA-256 of the session id it was started under, in one
    /// read (every customer request checks both).
    func conversationWithSessionHash(id: String) throws -> (Conversation, sessionHash: [UInt8])?
    /// The newest conversation of a session that is not closed.
    func openConversation(sessionHash: [UInt8]) throws -> Conversation?
    func conversations(_ query: ConversationQuery) throws -> [(Conversation, Message?)]
    /// How many conversations match `query`, ignoring its limit and offset.
    func count(_ query: ConversationQuery) throws -> Int
    /// Customer messages after the agent's read cursor (all of them for nil or no cursor).
    func unreadCount(conversationId: String, agentId: String?) throws -> Int

    /// Messages with `seq > afterSeq`, oldest first.
    func messages(conversationId: String, afterSeq: Int64, limit: Int) throws -> [Message]
    /// The newest `limit` messages, oldest first.
    func recentMessages(conversationId: String, limit: Int) throws -> [Message]
    func message(id: String, conversationId: String) throws -> Message?
    func message(clientMessageId: String, conversationId: String) throws -> Message?
    /// The first message written in reply to the message with `seq` (the bot's answer).
    func reply(toSeq: Int64) throws -> Message?
    func lastMessage(conversationId: String) throws -> Message?
    /// The newest message from `sender` (with metadata `event`, when given).
    func lastMessage(conversationId: String, sender: SenderType, event: String?) throws -> Message?

    /// FAQs in display order (`position`, then slug); disabled ones only when asked.
    func faqs(includeDisabled: Bool) throws -> [FAQ]
    func faq(id: String) throws -> FAQ?
    func faq(slug: String) throws -> FAQ?

    /// The saved settings; nil when nobody has saved any (the defaults apply).
    func settings() throws -> Settings?
    /// Audit entries newest first, with `id < beforeId` when given.
    func audit(limit: Int, beforeId: Int64?) throws -> [AuditEntry]

    func agent(id: String) throws -> Agent?
    func agent(username: String) throws -> Agent?
    func passwordHash(agentId: String) throws -> String?
    /// The enabled agent owning a token that is neither expired at `now` nor revoked.
    func agent(tokenHash: [UInt8], now: Timestamp) throws -> Agent?
    /// Conversations an agent holds that are not closed.
    func activeChatCount(agentId: String) throws -> Int
    /// The online, enabled agent with the fewest active chats below its capacity (oldest account wins ties).
    func leastLoadedOnlineAgent() throws -> Agent?
    /// Every agent with its active chats, by display name.
    func team() throws -> [TeamMember]
    /// Enabled agents whose presence is online.
    func onlineAgentCount() throws -> Int
    /// For conversations that asked for a person since `since` and got an agent's reply:
    /// milliseconds from asking to the first agent message.
    func firstReplyDelays(since: Timestamp) throws -> [Int64]
    /// Admins who are not disabled.
    func activeAdminCount() throws -> Int

    /// The newest event id ever assigned (never reused, even after pruning).
    func latestEventId() throws -> Int64

    /// A random secret made when the database was created (keys client addresses).
    func installationSecret() throws -> [UInt8]
    /// Failed logins recorded for a username (whether or not such an agent exists).
    func loginThrottle(username: String) throws -> LoginThrottle?
    /// Whether this client has signed in as this username before.
    func isTrusted(username: String, clientKey: [UInt8]) throws -> Bool
    /// Escalated conversations from this client that are not closed.
    func openEscalations(clientKey: [UInt8]) throws -> Int

    /// E-mails in `state` due at `dueBy` (`notBefore <= dueBy`), oldest first.
    func emails(state: OutgoingEmail.State, dueBy: Timestamp, limit: Int) throws -> [OutgoingEmail]
    /// Every e-mail about a conversation, oldest first.
    func emails(conversationId: String) throws -> [OutgoingEmail]
    /// Whether `subject` has an event stream open, and since when; nil when it never had one.
    func streamPresence(_ subject: StreamPresence.Subject) throws -> StreamPresence?
    /// The stream presence of every agent who ever had a console stream.
    func agentStreams() throws -> [String: StreamPresence]
}

/// The writes, inside a write transaction.
public protocol StoreWriter: StoreReader, ContactWriter, PasswordLinkWriter, NoteWriter, CannedReplyWriter, LabelWriter, ReportWriter,
    ApiKeyWriter, WebhookWriter, AttachmentWriter {
    func insertConversation(_ conversation: Conversation, sessionHash: [UInt8]) throws
    /// Status `agent`, nobody assigned, requested now; the customer waits from now (unless
    /// already waiting for an answer to what they wrote).
    func setQueued(conversationId: String, at: Timestamp) throws
    /// Assigns only if nobody holds it and it is not closed; false when someone else won.
    func assignIfFree(conversationId: String, agentId: String, at: Timestamp) throws -> Bool
    func setUnassigned(conversationId: String, at: Timestamp) throws
    /// The customer's contact (a nil name keeps the current one).
    func setContact(conversationId: String, displayName: String?, email: String, source: ContactSource, at: Timestamp) throws
    func setClosed(conversationId: String, at: Timestamp) throws
    /// Marks the conversation as an offline message (filed while nobody was there).
    func setOffline(conversationId: String) throws
    func setTranscriptRequested(conversationId: String) throws
    /// An agent wrote for the first time: `has_agent_replied`, and the first response (its
    /// time and author) the reports measure.
    func markAgentReplied(conversationId: String, agentId: String, at: Timestamp) throws
    /// A message from `sender` was written: activity now; a customer starts waiting for an
    /// answer (unless already waiting), an agent's message ends the wait.
    func touch(conversationId: String, at: Timestamp, sender: SenderType) throws

    /// Inserts a message (its `seq` is ignored) and returns the `seq` assigned.
    func insertMessage(_ message: Message, replyToSeq: Int64?) throws -> Int64
    func insertFAQ(_ faq: FAQ) throws
    func updateFAQ(_ faq: FAQ) throws
    func deleteFAQ(id: String) throws
    func saveSettings(_ settings: Settings, at: Timestamp) throws
    func appendAudit(actor: AuditEntry.Actor, action: String, target: String, data: AuditData, at: Timestamp) throws

    func insertAgent(_ agent: Agent, passwordHash: String) throws
    /// Sets presence; `awaySince` only when it went offline because the agent's streams closed.
    func setPresence(agentId: String, _ presence: Presence, awaySince: Timestamp?, at: Timestamp) throws
    /// Writes the editable members: display name, role, capacity, disabled, e-mail and its notifications.
    func updateAgent(_ agent: Agent, at: Timestamp) throws
    func setLastSeen(agentId: String, at: Timestamp) throws
    func setPasswordHash(agentId: String, _ hash: String, at: Timestamp) throws
    func insertToken(hash: [UInt8], agentId: String, createdAt: Timestamp, expiresAt: Timestamp) throws
    func revokeToken(hash: [UInt8], at: Timestamp) throws
    /// Revokes every live token of the agent but `except` (the caller's own, when it keeps its session).
    func revokeTokens(agentId: String, except: [UInt8]?, at: Timestamp) throws
    /// Deletes an agent's tokens that are revoked, or expired before `before`.
    func deleteDeadTokens(agentId: String, before: Timestamp) throws

    /// Saves (or, with nil, forgets) a username's failed-login record.
    func setLoginThrottle(username: String, _ throttle: LoginThrottle?) throws
    func trust(username: String, clientKey: [UInt8], at: Timestamp) throws
    func setClientKey(conversationId: String, _ key: [UInt8]) throws

    /// Queues an e-mail; returns its id.
    func insertEmail(_ email: OutgoingEmail) throws -> Int64
    /// Saves an e-mail's reply-to, subject, body, state, attempts, error and times.
    func updateEmail(_ email: OutgoingEmail) throws
    /// Records that `subject`'s first stream opened or its last one closed.
    func setStreamPresence(_ subject: StreamPresence.Subject, open: Bool, at: Timestamp) throws
    /// Forgets what was recorded about `subject`'s streams.
    func forgetStreamPresence(_ subject: StreamPresence.Subject) throws
    /// Every stream is closed (the notifier started: streams of a previous one are gone).
    func closeAllStreams(at: Timestamp) throws

    /// Sets where an agent has read a conversation up to (a message's `seq`).
    func setReadCursor(agentId: String, conversationId: String, seq: Int64, at: Timestamp) throws

    /// Appends to the outbox; the id is assigned in commit order.
    func appendEvent(name: String, audience: EventAudience, conversationId: String?, data: String, at: Timestamp) throws
}

/// Which conversations a list shows, in which order.
public struct ConversationQuery: Equatable, Sendable {
    public enum Assignment: Equatable, Sendable {
        case to(agentId: String)
        case nobody
        case anyone
    }

    public enum Order: Equatable, Sendable {
        /// Newest activity first (`updated_at`, then id, descending).
        case recentActivity
        /// The queue: oldest request first (then oldest conversation, then insertion order).
        case oldestRequest
    }

    public var status: ConversationStatus?
    public var assigned: Assignment
    /// The agent whose unread counts the list carries (nil: counted as for one who read nothing).
    public var viewer: String? = nil
    /// Only conversations with customer messages the viewer has not read.
    public var unreadOnly = false
    /// Only escalated conversations whose customer waits for an answer.
    public var awaitingReplyOnly = false
    /// Only conversations with this label.
    public var labelId: String? = nil
    /// Only conversations active before this time (paging back through `recentActivity`).
    public var before: Timestamp?
    public var order: Order
    public var limit: Int
    /// How many of the ordered matches to skip (paging through the queue).
    public var offset: Int

    public init(status: ConversationStatus?, assigned: Assignment, before: Timestamp? = nil, order: Order, limit: Int,
                offset: Int = 0) {
        self.status = status
        self.assigned = assigned
        self.before = before
        self.order = order
        self.limit = limit
        self.offset = offset
    }

    /// Escalated chats nobody holds, oldest request first.
    public static func queue(limit: Int, offset: Int = 0) -> ConversationQuery {
        ConversationQuery(status: .agent, assigned: .nobody, order: .oldestRequest, limit: limit, offset: offset)
    }
}

/// A username's failed logins: how many in a row, and until when unknown clients must wait.
public struct LoginThrottle: Equatable, Sendable {
    public var failures: Int
    public var blockedUntil: Timestamp
    public var updatedAt: Timestamp

    public init(failures: Int, blockedUntil: Timestamp, updatedAt: Timestamp) {
        self.failures = failures
        self.blockedUntil = blockedUntil
        self.updatedAt = updatedAt
    }
}
