/// What a webhook endpoint can subscribe to (API.md "Webhooks"). `webhook.test` is sent by
/// the test button only and cannot be subscribed to.
public enum WebhookEventType: String, Codable, Sendable, CaseIterable {
    case conversationCreated = "conversation.created"
    case conversationEscalated = "conversation.escalated"
    case conversationAssigned = "conversation.assigned"
    case conversationClosed = "conversation.closed"
    case conversationRated = "conversation.rated"
    case messageCreated = "message.created"
    case contactCreated = "contact.created"
    case contactUpdated = "contact.updated"
    case test = "webhook.test"

    /// The types an endpoint may list in `events`.
    public static let subscribable = allCases.filter { $0 != .test }
}

/// A registered endpoint, with the secrets it signs with (never on the wire: see `WebhookView`).
public struct Webhook: Equatable, Sendable {
    public var id: String
    public var url: String
    public var description: String
    public var events: [WebhookEventType]
    public var enabled: Bool
    /// `whsec_` + base64 of 32 random bytes.
    public var secret: String
    /// The secret before the last rotation, still signing until `previousSecretExpiresAt`.
    public var previousSecret: String?
    public var previousSecretExpiresAt: Timestamp?
    public var disabledReason: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, url: String, description: String, events: [WebhookEventType], enabled: Bool, secret: String,
                previousSecret: String? = nil, previousSecretExpiresAt: Timestamp? = nil, disabledReason: String? = nil,
                createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.url = url
        self.description = description
        self.events = events
        self.enabled = enabled
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The secrets a delivery at `now` is signed with: the current one, and the previous one
    /// for 24 hours after a rotation.
    public func signingSecrets(at now: Timestamp) -> [String] {
        guard let previousSecret, let until = previousSecretExpiresAt, until > now else { return [secret] }
        return [secret, previousSecret]
    }
}

/// How an endpoint is doing, from its deliveries (read with the endpoint).
public struct WebhookHealth: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable { case new, healthy, failing, disabled }
    public var state: State
    public var failingSince: Timestamp?
    public var lastAttemptAt: Timestamp?
    public var lastStatusCode: Int?
    public var pending: Int

    public init(state: State, failingSince: Timestamp?, lastAttemptAt: Timestamp?, lastStatusCode: Int?, pending: Int) {
        self.state = state
        self.failingSince = failingSince
        self.lastAttemptAt = lastAttemptAt
        self.lastStatusCode = lastStatusCode
        self.pending = pending
    }

    enum CodingKeys: String, CodingKey {
        case state, failingSince = "failing_since", lastAttemptAt = "last_attempt_at", lastStatusCode = "last_status_code", pending
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(failingSince, forKey: .failingSince)
        try c.encodeIfPresent(lastAttemptAt, forKey: .lastAttemptAt)
        try c.encodeIfPresent(lastStatusCode, forKey: .lastStatusCode)
        try c.encode(pending, forKey: .pending)
    }
}

/// The facts `WebhookHealth` is made from, read by the store.
public struct WebhookStats: Equatable, Sendable {
    public var pending: Int
    /// Since when every attempt has failed (nil: the last one succeeded, or none yet).
    public var failingSince: Timestamp?
    public var lastAttemptAt: Timestamp?
    public var lastStatusCode: Int?
    public var everAttempted: Bool

    public init(pending: Int = 0, failingSince: Timestamp? = nil, lastAttemptAt: Timestamp? = nil, lastStatusCode: Int? = nil,
                everAttempted: Bool = false) {
        self.pending = pending
        self.failingSince = failingSince
        self.lastAttemptAt = lastAttemptAt
        self.lastStatusCode = lastStatusCode
        self.everAttempted = everAttempted
    }
}

/// Webhook (API.md): the endpoint as admins see it, with `secret_last4` instead of the secret.
public struct WebhookView: Encodable, Sendable {
    public var webhook: Webhook
    public var health: WebhookHealth
    /// Shown once: on create and on rotation.
    public var secret: String?

    public init(_ webhook: Webhook, stats: WebhookStats, secret: String? = nil) {
        self.webhook = webhook
        self.secret = secret
        let state: WebhookHealth.State =
            !webhook.enabled ? .disabled : stats.failingSince != nil ? .failing : stats.everAttempted ? .healthy : .new
        health = WebhookHealth(state: state, failingSince: stats.failingSince, lastAttemptAt: stats.lastAttemptAt,
                               lastStatusCode: stats.lastStatusCode, pending: stats.pending)
    }

    enum CodingKeys: String, CodingKey {
        case id, url, description, events, enabled, secretLast4 = "secret_last4", createdAt = "created_at"
        case updatedAt = "updated_at", disabledReason = "disabled_reason", health, secret
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(webhook.id, forKey: .id)
        try c.encode(webhook.url, forKey: .url)
        try c.encode(webhook.description, forKey: .description)
        try c.encode(webhook.events, forKey: .events)
        try c.encode(webhook.enabled, forKey: .enabled)
        try c.encode(String(webhook.secret.suffix(4)), forKey: .secretLast4)
        try c.encode(webhook.createdAt, forKey: .createdAt)
        try c.encode(webhook.updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(webhook.disabledReason, forKey: .disabledReason)
        try c.encode(health, forKey: .health)
        if let secret { try c.encode(secret, forKey: .secret) }
    }
}

/// One event on its way to one endpoint: the body is fixed when the event happens, and every
/// attempt sends the same bytes with the same `webhook-id`.
public struct WebhookDelivery: Equatable, Sendable {
    public enum State: String, Codable, Sendable { case pending, delivered, failed }

    public var id: Int64
    public var webhookId: String
    /// `webhook-id`: `msg_` and 32 hex digits, one per event (every endpoint gets the same).
    public var messageId: String
    public var eventType: WebhookEventType
    public var body: String
    public var state: State
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastError: String?
    public var nextAttemptAt: Timestamp?
    public var firstAttemptAt: Timestamp?
    public var lastAttemptAt: Timestamp?
    public var createdAt: Timestamp
    public var deliveredAt: Timestamp?
    /// What the event is about, so erasing a contact erases its deliveries.
    public var conversationId: String?
    public var contactId: String?
    /// The sender's attempt that holds it now (only its outcome is recorded).
    public var leaseToken: String?

    public init(id: Int64 = 0, webhookId: String, messageId: String, eventType: WebhookEventType, body: String,
                state: State = .pending, attempts: Int = 0, lastStatusCode: Int? = nil, lastError: String? = nil,
                nextAttemptAt: Timestamp?, firstAttemptAt: Timestamp? = nil, lastAttemptAt: Timestamp? = nil,
                createdAt: Timestamp, deliveredAt: Timestamp? = nil, conversationId: String? = nil, contactId: String? = nil) {
        self.id = id
        self.webhookId = webhookId
        self.messageId = messageId
        self.eventType = eventType
        self.body = body
        self.state = state
        self.attempts = attempts
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
        self.conversationId = conversationId
        self.contactId = contactId
    }

    /// A test event is sent ahead of the endpoint's ordered events, not behind a failing one.
    public var isTest: Bool { eventType == .test }
}

/// Delivery (API.md): the log's row, without the body.
public struct DeliveryView: Encodable, Sendable {
    public var delivery: WebhookDelivery
    public init(_ delivery: WebhookDelivery) { self.delivery = delivery }

    enum CodingKeys: String, CodingKey {
        case id, eventType = "event_type", webhookIdHeader = "webhook_id_header", state, attempts
        case lastStatusCode = "last_status_code", lastError = "last_error", nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at", deliveredAt = "delivered_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(String(delivery.id), forKey: .id)
        try c.encode(delivery.eventType, forKey: .eventType)
        try c.encode(delivery.messageId, forKey: .webhookIdHeader)
        try c.encode(delivery.state, forKey: .state)
        try c.encode(delivery.attempts, forKey: .attempts)
        try c.encodeIfPresent(delivery.lastStatusCode, forKey: .lastStatusCode)
        try c.encodeIfPresent(delivery.lastError, forKey: .lastError)
        try c.encodeIfPresent(delivery.state == .pending ? delivery.nextAttemptAt : nil, forKey: .nextAttemptAt)
        try c.encode(delivery.createdAt, forKey: .createdAt)
        try c.encodeIfPresent(delivery.deliveredAt, forKey: .deliveredAt)
    }
}

/// `POST` / `PATCH /admin/webhooks` (a member given as `null` is a 400, like every PATCH).
public struct WebhookInput: Decodable, Sendable {
    public var url: String?
    public var events: [String]?
    public var description: String?
    public var enabled: Bool?

    public init(url: String? = nil, events: [String]? = nil, description: String? = nil, enabled: Bool? = nil) {
        self.url = url
        self.events = events
        self.description = description
        self.enabled = enabled
    }

    enum CodingKeys: String, CodingKey { case url, events, description, enabled }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.patchValue(String.self, .url)
        events = try c.patchValue([String].self, .events)
        description = try c.patchValue(String.self, .description)
        enabled = try c.patchValue(Bool.self, .enabled)
    }
}

/// Which deliveries a log page shows.
public struct DeliveryQuery: Equatable, Sendable {
    public var webhookId: String
    public var state: WebhookDelivery.State?
    public var beforeId: Int64?
    public var limit: Int
    public init(webhookId: String, state: WebhookDelivery.State?, beforeId: Int64?, limit: Int) {
        self.webhookId = webhookId
        self.state = state
        self.beforeId = beforeId
        self.limit = limit
    }
}

public protocol WebhookReader {
    /// Every endpoint, oldest first.
    func webhooks() throws -> [Webhook]
    func webhook(id: String) throws -> Webhook?
    /// The enabled endpoints that subscribe to `type` (read by every change that emits it).
    func webhookIds(subscribedTo type: WebhookEventType) throws -> [String]
    func webhookStats(id: String) throws -> WebhookStats
    func deliveries(_ query: DeliveryQuery) throws -> [WebhookDelivery]
    func delivery(id: Int64) throws -> WebhookDelivery?
    /// Deliveries the sender may take now: per enabled endpoint its oldest pending ordered
    /// delivery when due and none of its ordered deliveries is being sent, and any due
    /// pending test not being sent; by when they are due.
    func dueDeliveries(now: Timestamp, limit: Int) throws -> [WebhookDelivery]
    /// Endpoints disabled now (the metrics gauge).
    func disabledWebhookCount() throws -> Int
}

public protocol WebhookWriter {
    func insertWebhook(_ webhook: Webhook) throws
    func updateWebhook(_ webhook: Webhook) throws
    /// Deletes the endpoint and its deliveries.
    func deleteWebhook(id: String) throws
    func insertDelivery(_ delivery: WebhookDelivery) throws -> Int64
    func updateDelivery(_ delivery: WebhookDelivery) throws
    /// Takes a delivery for one attempt until `until` under `token`; false when another
    /// sender has it. `updateDelivery` ends the lease.
    func leaseDelivery(id: Int64, until: Timestamp, now: Timestamp, token: String) throws -> Bool
    /// Deliveries about one contact become about another (an anonymous visitor signed in).
    func moveDeliveries(fromContact: String, toContact: String) throws
    /// The endpoint's latest attempt, for its health (`statusCode` nil: no HTTP answer): a
    /// failure starts its failing time (unless it was failing already), a success ends it.
    func noteAttempt(webhookId: String, at: Timestamp, statusCode: Int?, succeeded: Bool) throws
    /// Fails every pending delivery of an endpoint (it was disabled).
    func failPendingDeliveries(webhookId: String, error: String, at: Timestamp) throws
    /// Brings the endpoint's due-later pending deliveries forward to `at` (it answered again).
    func hurryDeliveries(webhookId: String, at: Timestamp) throws
    /// Deletes deliveries created before `before`; returns how many.
    func pruneDeliveries(before: Timestamp) throws -> Int
}
