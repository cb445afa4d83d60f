import Synchronization
import SwitchboardChat
import SwitchboardCore

/// `ChatStore` in memory: the second engine the rule tests run on, and the reference for
/// what each store call means. A write works on a copy of the state and publishes it only
/// when the body returns, so a thrown error rolls everything back, as a transaction does.
public final class MemoryStore: ChatStore {
    private let state: Mutex<MemoryState>
    private let onEventsCommitted: @Sendable () -> Void

    /// `onEventsCommitted` runs after each write that appended outbox events.
    public init(onEventsCommitted: @escaping @Sendable () -> Void = {}) {
        state = Mutex(MemoryState())
        self.onEventsCommitted = onEventsCommitted
    }

    private init(state: MemoryState) {
        self.state = Mutex(state)
        onEventsCommitted = {}
    }

    /// A new store holding a copy of this one's rows (copy-on-write, so it is cheap): the
    /// fuzz harness seeds one store once and runs every input on a fork of it.
    public func fork() -> MemoryStore {
        MemoryStore(state: state.withLock { $0 })
    }

    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        let snapshot = state.withLock { $0 }
        return try body(MemoryRows(snapshot))
    }

    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        let (value, appended) = try state.withLock { current in
            let rows = MemoryRows(current)
            let value = try body(rows)
            let appended = rows.state.lastEventId != current.lastEventId
            current = rows.state
            return (value, appended)
        }
        if appended { onEventsCommitted() }
        return value
    }
}

/// Everything a `MemoryStore` holds.
struct MemoryState: Sendable {
    struct ConversationRow: Sendable {
        var conversation: Conversation
        var sessionHash: [UInt8]
        /// Insertion order, SQLite's rowid: the queue's last tie-break.
        var rowid: Int
    }

    struct MessageRow: Sendable {
        var message: Message
        var replyToSeq: Int64?
    }

    struct TokenRow: Sendable {
        var agentId: String
        var expiresAt: Timestamp
        var revokedAt: Timestamp?
    }

    var conversations: [String: ConversationRow] = [:]
    /// In `seq` order.
    var messages: [MessageRow] = []
    var agents: [String: Agent] = [:]
    var passwordHashes: [String: String] = [:]
    var tokens: [[UInt8]: TokenRow] = [:]
    /// By id.
    var faqs: [String: FAQ] = [:]
    var settings: Settings?
    /// Oldest first.
    var audit: [AuditEntry] = []
    var lastEventId: Int64 = 0
    var events: [StoredEvent] = []
    let installationSecret = Secrets.randomBytes(32)
    var loginThrottles: [String: LoginThrottle] = [:]
    /// The username's bytes, a zero byte, then the client key.
    var trusted: Set<[UInt8]> = []
    var clientKeys: [String: [UInt8]] = [:]
    /// By id, in id order.
    var emails: [OutgoingEmail] = []
    /// By `StreamPresence.Subject.key`.
    var streams: [String: StreamPresence] = [:]
    var contacts: [String: Contact] = [:]
    /// By the SHA-256 of the session's secret.
    var customerSessions: [[UInt8]: CustomerSession] = [:]
    var identitySecrets: [IdentitySecret] = []
    var blockedSites: [String: BlockedSite] = [:]
    /// In creation order.
    var passwordLinks: [PasswordLink] = []
    /// Ids of the accounts marked as demo accounts.
    var demoAgents: Set<String> = []
    /// In creation order; the author's name is joined on read, as SQLite does.
    var notes: [Note] = []
    /// By id.
    var cannedReplies: [String: CannedReply] = [:]
    /// By agent id, a zero scalar, then the conversation id: the `seq` read up to.
    var readCursors: [String: Int64] = [:]
    /// By id.
    var labels: [String: Label] = [:]
    /// Label ids by conversation id.
    var conversationLabels: [String: Set<String>] = [:]
    /// By conversation id, a zero scalar, then the closing's time in milliseconds.
    var ratings: [String: Rating] = [:]
    /// The first agent reply by conversation id: when and whose.
    var firstResponses: [String: (at: Timestamp, agentId: String)] = [:]
    /// API keys by id (= their agent's id).
    var apiKeys: [String: MemoryApiKey] = [:]
    var webhooks: [String: Webhook] = [:]
    /// Each endpoint's latest attempt: when, and the HTTP status if any.
    var webhookAttempts: [String: (at: Timestamp, status: Int?, failingSince: Timestamp?)] = [:]
    var deliveries: [WebhookDelivery] = []
    var deliveryLeases: [Int64: (until: Timestamp, token: String)] = [:]
    var lastDeliveryId: Int64 = 0
    /// Uploads by id.
    var attachments: [String: Attachment] = [:]
}

/// A stored API key: what the table holds besides its agent row.
struct MemoryApiKey {
    var prefix: String
    var keyHash: [UInt8]
    var createdAt: Timestamp
    var revokedAt: Timestamp?
}

/// The rows of one memory transaction.
final class MemoryRows: StoreWriter {
    var state: MemoryState

    init(_ state: MemoryState) { self.state = state }

    // MARK: Reads

    func conversation(id: String) throws -> Conversation? {
        state.conversations[id].map { withAgentName($0.conversation) }
    }

    /// The joined members, as SQLite's reads join them: the agent's name, the contact.
    func withAgentName(_ c: Conversation) -> Conversation {
        var c = c
        c.assignedAgentName = c.assignedAgentId.flatMap { state.agents[$0]?.displayName }
        c.assignedAgentPresence = c.assignedAgentId.flatMap { state.agents[$0]?.presence }
        c.contact = state.contacts[c.contactId]?.summary
        c.rating = c.closedAt.flatMap { state.ratings[MemoryState.ratingKey(c.id, $0)] }
        return c
    }

    func conversationWithSessionHash(id: String) throws -> (Conversation, sessionHash: [UInt8])? {
        state.conversations[id].map { (withAgentName($0.conversation), $0.sessionHash) }
    }

    func openConversation(sessionHash: [UInt8]) throws -> Conversation? {
        state.conversations.values
            .filter { $0.sessionHash == sessionHash && $0.conversation.status != .closed }
            .max { $0.conversation.createdAt < $1.conversation.createdAt }
            .map { withAgentName($0.conversation) }
    }

    func conversations(_ query: ConversationQuery) throws -> [(Conversation, Message?)] {
        let matching = matches(query)
        let sorted = switch query.order {
        case .recentActivity: matching.sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
        case .oldestRequest: // stable: equal times keep insertion order
            matching.sorted {
                ($0.requestedAgentAt?.milliseconds ?? .min, $0.createdAt) < ($1.requestedAgentAt?.milliseconds ?? .min, $1.createdAt)
            }
        }
        return try sorted.dropFirst(query.offset).prefix(query.limit).map { c in
            var c = withAgentName(c)
            c.unreadCount = unread(c.id, query.viewer)
            return (c, try lastMessage(conversationId: c.id))
        }
    }

    func count(_ query: ConversationQuery) throws -> Int { matches(query).count }

    private func matches(_ query: ConversationQuery) -> [Conversation] {
        state.conversations.values.sorted { $0.rowid < $1.rowid }.map(\.conversation).filter { c in
            if let status = query.status, c.status != status { return false }
            switch query.assigned {
            case .to(let agentId): if c.assignedAgentId != agentId { return false }
            case .nobody: if c.assignedAgentId != nil { return false }
            case .anyone: break
            }
            if let before = query.before, c.updatedAt >= before { return false }
            if query.unreadOnly, unread(c.id, query.viewer) == 0 { return false }
            if query.awaitingReplyOnly, c.status != .agent || c.awaitingSince == nil { return false }
            if let labelId = query.labelId, !(state.conversationLabels[c.id] ?? []).contains(labelId) { return false }
            return true
        }
    }

    private func unread(_ conversationId: String, _ agentId: String?) -> Int {
        let cursor = agentId.flatMap { state.readCursors[$0 + "\u{0}" + conversationId] } ?? 0
        return state.messages.count { $0.message.conversationId == conversationId && $0.message.senderType == .customer && $0.message.seq > cursor }
    }

    func unreadCount(conversationId: String, agentId: String?) throws -> Int { unread(conversationId, agentId) }

    func messages(conversationId: String, afterSeq: Int64, limit: Int) throws -> [Message] {
        Array(state.messages.lazy.map(\.message).filter { $0.conversationId == conversationId && $0.seq > afterSeq }.prefix(limit))
    }

    func recentMessages(conversationId: String, limit: Int) throws -> [Message] {
        Array(state.messages.map(\.message).filter { $0.conversationId == conversationId }.suffix(limit))
    }

    func message(id: String, conversationId: String) throws -> Message? {
        state.messages.first { $0.message.id == id && $0.message.conversationId == conversationId }?.message
    }

    func message(clientMessageId: String, conversationId: String) throws -> Message? {
        state.messages.first { $0.message.clientMessageId == clientMessageId && $0.message.conversationId == conversationId }?.message
    }

    func reply(toSeq: Int64) throws -> Message? {
        state.messages.first { $0.replyToSeq == toSeq }?.message
    }

    func lastMessage(conversationId: String) throws -> Message? {
        state.messages.last { $0.message.conversationId == conversationId }?.message
    }

    func lastMessage(conversationId: String, sender: SenderType, event: String?) throws -> Message? {
        state.messages.last {
            $0.message.conversationId == conversationId && $0.message.senderType == sender
                && (event == nil || $0.message.metadata?.event == event)
        }?.message
    }

    func faqs(includeDisabled: Bool) throws -> [FAQ] {
        state.faqs.values.filter { includeDisabled || $0.enabled }.sorted { ($0.position, $0.slug) < ($1.position, $1.slug) }
    }

    func faq(id: String) throws -> FAQ? { state.faqs[id] }

    func faq(slug: String) throws -> FAQ? { state.faqs.values.first { $0.slug == slug } }

    func settings() throws -> Settings? { state.settings }

    func audit(limit: Int, beforeId: Int64?) throws -> [AuditEntry] {
        Array(state.audit.reversed().filter { $0.id < (beforeId ?? .max) }.prefix(limit))
    }

    func agent(id: String) throws -> Agent? { state.agents[id] }

    func agent(username: String) throws -> Agent? {
        state.agents.values.first { $0.username == username }
    }

    func passwordHash(agentId: String) throws -> String? { state.passwordHashes[agentId] }

    func agent(tokenHash: [UInt8], now: Timestamp) throws -> Agent? {
        guard let token = state.tokens[tokenHash], token.revokedAt == nil, token.expiresAt > now,
              let agent = state.agents[token.agentId], !agent.disabled else { return nil }
        return agent
    }

    func activeChatCount(agentId: String) throws -> Int {
        state.conversations.values.count { $0.conversation.assignedAgentId == agentId && $0.conversation.status == .agent }
    }

    func leastLoadedOnlineAgent() throws -> Agent? {
        try state.agents.values
            .filter { $0.presence == .online && !$0.disabled && !$0.integration }
            .map { ($0, try activeChatCount(agentId: $0.id)) }
            .filter { $0.1 < $0.0.maxActiveChats }
            .min { ($0.1, $0.0.createdAt, $0.0.id) < ($1.1, $1.0.createdAt, $1.0.id) }?.0
    }

    func team() throws -> [TeamMember] {
        try state.agents.values.filter { !$0.integration }
            .sorted { ($0.displayName.lowercased(), $0.username) < ($1.displayName.lowercased(), $1.username) }
            .map { agent in
                let invited = state.passwordLinks.filter { $0.agentId == agent.id && $0.purpose == .invite && $0.usedAt == nil }
                return TeamMember(agent: agent, activeChats: try activeChatCount(agentId: agent.id),
                                  invitationExpiresAt: invited.map(\.expiresAt).max())
            }
    }

    func onlineAgentCount() throws -> Int {
        state.agents.values.count { $0.presence == .online && !$0.disabled && !$0.integration }
    }

    func firstReplyDelays(since: Timestamp) throws -> [Int64] {
        state.conversations.values.map(\.conversation).compactMap { c in
            guard let asked = c.requestedAgentAt, asked >= since, let first = state.firstResponses[c.id] else { return nil }
            return first.at.milliseconds - asked.milliseconds
        }
    }

    func activeAdminCount() throws -> Int {
        state.agents.values.count { $0.role == .admin && !$0.disabled && !$0.integration }
    }

    func latestEventId() throws -> Int64 { state.lastEventId }

    func installationSecret() throws -> [UInt8] { state.installationSecret }

    func loginThrottle(username: String) throws -> LoginThrottle? { state.loginThrottles[username] }

    func isTrusted(username: String, clientKey: [UInt8]) throws -> Bool {
        state.trusted.contains(Array(username.utf8) + [0] + clientKey)
    }

    func openEscalations(clientKey: [UInt8]) throws -> Int {
        state.conversations.values.count {
            state.clientKeys[$0.conversation.id] == clientKey && $0.conversation.status == .agent
        }
    }

    func emails(state wanted: OutgoingEmail.State, dueBy: Timestamp, limit: Int) throws -> [OutgoingEmail] {
        Array(state.emails.filter { $0.state == wanted && $0.notBefore <= dueBy }
            .sorted { ($0.notBefore, $0.id) < ($1.notBefore, $1.id) }.prefix(limit))
    }

    func emails(conversationId: String) throws -> [OutgoingEmail] {
        state.emails.filter { $0.conversationId == conversationId }
    }

    func streamPresence(_ subject: StreamPresence.Subject) throws -> StreamPresence? {
        state.streams[subject.key]
    }

    func agentStreams() throws -> [String: StreamPresence] {
        var result: [String: StreamPresence] = [:]
        for (key, presence) in state.streams where key.hasPrefix("agent:") { result[String(key.dropFirst(6))] = presence }
        return result
    }
}

/// The outbox as the notifier reads it (the same calls as the SQLite store's).
extension MemoryStore {
    public func events(after cursor: Int64, conversationId: String? = nil, limit: Int = 500) throws -> [StoredEvent] {
        state.withLock { state in
            Array(state.events.lazy.filter {
                $0.id > cursor && (conversationId == nil || (($0.conversationId == conversationId
                    || $0.conversationId == ChatEvent.everyConversation) && $0.audience == .conversation))
            }.prefix(limit))
        }
    }

    public func latestEventId() throws -> Int64 { state.withLock { $0.lastEventId } }

    public func oldestEventId() throws -> Int64 { state.withLock { $0.events.first?.id ?? 0 } }

    @discardableResult
    public func pruneEvents(olderThan: Timestamp) throws -> Int {
        state.withLock { state in
            let before = state.events.count
            let newest = state.events.last?.id
            state.events.removeAll { $0.createdAt < olderThan && $0.id != newest }
            return before - state.events.count
        }
    }
}
