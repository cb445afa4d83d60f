import POSIXSupport
import SwitchboardCore

/// Every rule that changes a conversation: state transitions, the bot's answers, routing,
/// idempotent sends and the events each change emits. It runs over any `ChatStore`, so the
/// rules are written once and tested against every engine.
public struct ChatService: Sendable {
    public let store: any ChatStore
    public let routing: RoutingMode
    public let tokenTTLSeconds: Int64
    public let policy: ChatPolicy
    let hasher: PasswordHasher
    let caches: ServiceCaches
    /// Where webhook host names resolve (a test gives its own answers).
    public var webhookResolver = WebhookResolver { AddressResolver.resolve($0, port: $1) }
    /// The uploaded files (the worker's; nil where nothing keeps files): erasure removes a
    /// contact's at once.
    public var files: (any FileIngest)?

    public static let messagesMaxPerStart = 500

    /// The service the configuration describes, over `store`.
    public init(store: any ChatStore, config: Config) {
        self.init(store: store, routing: config.routing, tokenTTLSeconds: config.tokenTTLSeconds,
                  hasher: PasswordHasher(logN: config.scryptLogN, maxConcurrent: config.maxConcurrentHashes, queue: config.hashQueue),
                  policy: ChatPolicy(config))
    }

    /// `cacheClock`: where the in-memory copies read the time (a test's own clock).
    public init(store: any ChatStore, routing: RoutingMode = .auto, tokenTTLSeconds: Int64 = 43200,
                hasher: PasswordHasher = PasswordHasher(), policy: ChatPolicy = ChatPolicy(),
                cacheClock: CacheClock = .system) {
        self.store = store
        caches = ServiceCaches(clock: cacheClock)
        self.routing = routing
        self.tokenTTLSeconds = tokenTTLSeconds
        self.policy = policy
        self.hasher = hasher
    }

    /// A write transaction with the time of the change and the outbox. (The store wakes
    /// whoever tails the outbox after the commit: it alone knows when that is.)
    func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        var changed = (faqs: false, settings: false, accounts: false)
        // After the commit (or the rollback: the copy is then merely reloaded).
        defer {
            if changed.accounts { caches.tokens.invalidate() }
            if changed.faqs {
                caches.faqs.invalidate()
                caches.matcher.invalidate()
            }
            if changed.settings { caches.settings.invalidate() }
        }
        // The group committer may run this on another request's thread: the file links are
        // signed by this request's signer wherever it runs.
        let signer = FileLinks.signer
        return try store.write { rows in
            let tx = Transaction(rows: rows, now: Timestamp.now())
            defer { changed = (tx.faqsChanged, tx.settingsChanged, tx.accountsChanged) }
            return try FileLinks.$signer.withValue(signer) { try body(tx) }
        }
    }

    func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        try store.read(body)
    }

    /// A client address as the store keeps it: a keyed hash (HMAC with the installation's
    /// secret), so the database holds no addresses and the keys cannot be reversed offline.
    func clientKey(_ address: String, _ rows: any StoreReader) throws -> [UInt8] {
        Secrets.hmac(key: try rows.installationSecret(), Array(address.utf8))
    }

    /// The newest event id: also proves the store answers (health check).
    public func latestEventId() throws -> Int64 {
        try read { try $0.latestEventId() }
    }
}

/// The limits the rules enforce against abuse.
public struct ChatPolicy: Sendable {
    /// Escalated chats still open that one client address may have (0: no limit).
    public var maxOpenChatsPerAddress: Int
    /// Failed logins for a username before clients it has not seen must wait.
    public var loginFailuresBeforeBackoff: Int
    /// The longest such wait.
    public var maxLoginBackoffSeconds: Int64 = 900

    /// Whether e-mail can be sent (SMTP configured): without it nothing is queued.
    public var mailEnabled: Bool = false
    /// The sender of every e-mail, and where links in e-mails point.
    public var mailFrom: String = "switchboard@localhost"
    public var publicURL: String = "http://127.0.0.1:8080"
    /// How long an agent reply may stay unseen before it is e-mailed.
    public var unseenReplySeconds: Int64 = 600
    /// How long an offline message's e-mail waits before it goes out, so what the shopper
    /// writes right after asking is in it.
    public var offlineMailDelaySeconds: Int64 = 10
    /// How long after an agent's last console stream closed they go offline.
    public var presenceGraceSeconds: Int64 = 120
    /// The first retry of an e-mail the server did not take (doubling up to an hour), and
    /// how many attempts before it is given up.
    public var mailRetrySeconds: Int64 = 30
    public var mailMaxAttempts: Int = 20
    /// The sites that may show the chat until an admin saves a list.
    public var widgetOrigins: [String] = ["http://127.0.0.1:8081"]
    /// How long a customer's sign-in (`login`) lasts.
    public var customerSessionTTLSeconds: Int64 = 7 * 86400
    /// Webhooks: which URLs may be saved and called, and the first retry's wait.
    public var webhookAddresses = WebhookAddressPolicy(allowHTTP: false, allowPrivate: false)
    public var webhookRetrySeconds: Int64 = 5

    public init(maxOpenChatsPerAddress: Int = 5, loginFailuresBeforeBackoff: Int = 5) {
        self.maxOpenChatsPerAddress = maxOpenChatsPerAddress
        self.loginFailuresBeforeBackoff = loginFailuresBeforeBackoff
    }

    public init(_ config: Config) {
        self.init(maxOpenChatsPerAddress: config.maxOpenChatsPerAddress, loginFailuresBeforeBackoff: config.loginFailuresBeforeBackoff)
        mailEnabled = config.mailEnabled
        mailFrom = config.mailFrom
        publicURL = config.publicURL
        unseenReplySeconds = Int64(config.unseenReplySeconds)
        offlineMailDelaySeconds = Int64(config.offlineMailDelaySeconds)
        presenceGraceSeconds = Int64(config.presenceGraceSeconds)
        mailRetrySeconds = Int64(config.mailRetrySeconds)
        widgetOrigins = config.widgetOrigins
        customerSessionTTLSeconds = Int64(config.customerSessionTTLSeconds)
        webhookAddresses = WebhookAddressPolicy(allowHTTP: config.webhookAllowHTTP, allowPrivate: config.webhookAllowPrivate)
        webhookRetrySeconds = Int64(config.webhookRetrySeconds)
    }

    /// The wait before attempt `attempts + 1` of an e-mail.
    public func mailBackoffSeconds(afterAttempts attempts: Int) -> Int64 {
        min(3600, mailRetrySeconds << Int64(min(max(attempts - 1, 0), 16)))
    }

    /// How long unknown clients wait after `failures` failed logins in a row: none up to the
    /// threshold, then 1 s, 2 s, 4 s … up to `maxLoginBackoffSeconds`.
    public func backoffSeconds(afterFailures failures: Int) -> Int64 {
        let over = failures - loginFailuresBeforeBackoff
        guard over >= 0 else { return 0 }
        return min(maxLoginBackoffSeconds, Int64(1) << min(over, 20))
    }
}

/// One write transaction as the rules see it: the rows, the time of the change, and the
/// outbox (events are encoded once, here, and stored as they will be sent).
final class Transaction {
    let rows: any StoreWriter
    let now: Timestamp
    /// Set by a change of FAQs or settings: the service's in-memory copy is dropped after the commit.
    var faqsChanged = false
    var settingsChanged = false
    /// Set by `accounts`: agents, their tokens or sessions changed, so the agents cached by
    /// token are dropped after the commit (a message or a claim leaves them be).
    private(set) var accountsChanged = false

    /// The rows, for a change to an agent, its tokens or its sessions. Every such write goes
    /// through here (not `rows`), so no cached agent outlives it.
    var accounts: any StoreWriter {
        accountsChanged = true
        return rows
    }

    init(rows: any StoreWriter, now: Timestamp) {
        self.rows = rows
        self.now = now
    }

    func emit(_ event: ChatEvent) throws {
        try rows.appendEvent(name: event.name.rawValue, audience: event.audience, conversationId: event.conversationId,
                             data: try event.payload(), at: now)
        try announce(event)
    }

    /// The conversation, which the caller has just read or written: gone means someone
    /// deleted it under us, a 404 rather than a crash.
    func conversation(_ id: String) throws -> Conversation {
        guard let conversation = try rows.conversation(id: id) else { throw AppError.conversationNotFound }
        return conversation
    }

    /// Inserts a message, touches its conversation and announces it.
    /// `touchAs`: whose message it counts as for the customer's wait (an integration's
    /// message is an agent's but ends no wait).
    func insertMessage(_ conversationId: String, sender: SenderType, agentId: String? = nil, kind: MessageKind,
                       content: String, metadata: MessageMetadata? = nil, clientMessageId: String? = nil,
                       replyToSeq: Int64? = nil, touchAs: SenderType? = nil, attachments: [AttachmentRef] = []) throws -> Message {
        var message = Message(seq: 0, id: Identifiers.uuid(), conversationId: conversationId, senderType: sender,
                              senderAgentId: agentId, kind: kind, content: content, metadata: metadata,
                              clientMessageId: clientMessageId, createdAt: now, attachments: attachments)
        message.seq = try rows.insertMessage(message, replyToSeq: replyToSeq)
        if !attachments.isEmpty { try rows.useAttachments(ids: attachments.map(\.id), messageId: message.id) }
        try rows.touch(conversationId: conversationId, at: now, sender: touchAs ?? sender)
        try emit(.messageCreated(message))
        return message
    }

    /// A conversation as the queue announces it: unread counted as for an agent who has not
    /// opened it (an event is the same bytes for every console).
    func queueEntry(_ conversationId: String) throws -> AgentConversation {
        try ChatService.summary(try conversation(conversationId), viewer: nil, rows)
    }

    /// A system message the customer sees about something that happened.
    func systemMessage(_ conversationId: String, _ text: String, event: String, agentId: String? = nil) throws -> Message {
        try insertMessage(conversationId, sender: .system, kind: .event, content: text,
                          metadata: MessageMetadata(event: event, agentId: agentId))
    }

    /// The message a retried send already stored under `clientMessageId`, if any.
    func original(_ clientMessageId: String?, in conversationId: String) throws -> Message? {
        guard let clientMessageId else { return nil }
        return try rows.message(clientMessageId: clientMessageId, conversationId: conversationId)
    }
}
