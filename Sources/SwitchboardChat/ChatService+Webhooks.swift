import SwitchboardCore

/// One delivery taken by the sender: what to send, where, signed with what.
public struct WebhookSend: Sendable {
    public let delivery: WebhookDelivery
    public let url: String
    public let secrets: [String]
    /// This attempt's lease: only its holder's outcome is recorded.
    public let leaseToken: String
}

/// What one attempt came to.
public enum WebhookOutcome: Sendable, Equatable {
    /// A 2xx answer.
    case delivered(status: Int)
    /// Anything else: another status (`status`), or no answer at all (nil: refused, timed out,
    /// the address no longer allowed, …).
    case failed(status: Int?, error: String)
}

/// `{type, timestamp, data}`: a webhook's body.
struct WebhookBody<Data: Encodable>: Encodable {
    let type: WebhookEventType
    let timestamp: Timestamp
    let data: Data
}

/// `webhook.test`'s data.
struct WebhookTestData: Encodable {
    let webhookId: String
    let message: String
    enum CodingKeys: String, CodingKey { case webhookId = "webhook_id", message }
}

/// Webhooks (API.md "Webhooks"): endpoints admins register, deliveries written in the
/// transaction of their change, and the sender's bookkeeping (taking due deliveries, the
/// outcome of each attempt, retries, giving up). The sending itself happens outside any
/// request (SwitchboardMail's `WebhookSender`).
extension ChatService {
    static let maxWebhooks = 20
    /// A delivery still failing this long after its first attempt is failed, and its endpoint disabled.
    public static let webhookGiveUpSeconds: Int64 = 86400
    /// Bodies and the log are kept this long.
    public static let deliveryRetentionSeconds: Int64 = 7 * 86400

    // MARK: Endpoints

    public func webhooks() throws -> [WebhookView] {
        try read { rows in try rows.webhooks().map { WebhookView($0, stats: try rows.webhookStats(id: $0.id)) } }
    }

    public func webhook(id: String) throws -> WebhookView {
        try read { rows in
            let webhook = try Self.webhook(id, rows)
            return WebhookView(webhook, stats: try rows.webhookStats(id: id))
        }
    }

    /// A new endpoint; its secret is in the answer, once.
    public func createWebhook(_ input: WebhookInput, by actor: AuditEntry.Actor) throws -> WebhookView {
        guard let url = input.url else { throw AppError.badRequest("url: required.", code: "invalid_url") }
        guard let events = input.events else { throw AppError.badRequest("events: required (1–10 event types).", code: "invalid_events") }
        let checkedURL = try checkWebhookURL(url)
        let types = try Self.eventTypes(events)
        let description = try Self.webhookDescription(input.description ?? "")
        return try write { tx in
            guard try tx.rows.webhooks().count < Self.maxWebhooks else {
                throw AppError.conflict("At most \(Self.maxWebhooks) webhook endpoints; delete one first.", code: "webhook_limit")
            }
            let webhook = Webhook(id: Identifiers.uuid(), url: checkedURL, description: description, events: types,
                                  enabled: input.enabled ?? true, secret: WebhookSigner.newSecret(), createdAt: tx.now, updatedAt: tx.now)
            try tx.rows.insertWebhook(webhook)
            try tx.audit(actor, "webhook.created", webhook.id, ["url": webhook.url, "events": types.map(\.rawValue).joined(separator: " ")])
            return WebhookView(webhook, stats: WebhookStats(), secret: webhook.secret)
        }
    }

    /// Changes an endpoint. Enabling it clears `disabled_reason`; disabling it fails its
    /// pending deliveries.
    public func updateWebhook(id: String, _ input: WebhookInput, by actor: AuditEntry.Actor) throws -> WebhookView {
        let checkedURL = try input.url.map(checkWebhookURL)
        let types = try input.events.map(Self.eventTypes)
        let description = try input.description.map(Self.webhookDescription)
        return try write { tx in
            var webhook = try Self.webhook(id, tx.rows)
            var changed: [String: String] = [:]
            if let checkedURL, checkedURL != webhook.url { webhook.url = checkedURL; changed["url"] = checkedURL }
            if let types, types != webhook.events { webhook.events = types; changed["events"] = types.map(\.rawValue).joined(separator: " ") }
            if let description, description != webhook.description { webhook.description = description; changed["description"] = "changed" }
            if let enabled = input.enabled, enabled != webhook.enabled {
                webhook.enabled = enabled
                changed["enabled"] = String(enabled)
                if enabled {
                    webhook.disabledReason = nil
                } else {
                    try tx.rows.failPendingDeliveries(webhookId: id, error: "endpoint disabled", at: tx.now)
                }
            }
            if !changed.isEmpty {
                webhook.updatedAt = tx.now
                try tx.rows.updateWebhook(webhook)
                try tx.audit(actor, "webhook.updated", id, changed)
            }
            return WebhookView(webhook, stats: try tx.rows.webhookStats(id: id))
        }
    }

    public func deleteWebhook(id: String, by actor: AuditEntry.Actor) throws {
        try write { tx in
            let webhook = try Self.webhook(id, tx.rows)
            try tx.rows.deleteWebhook(id: id)
            try tx.audit(actor, "webhook.deleted", id, ["url": webhook.url])
        }
    }

    /// A new secret, in the answer once; the old one keeps signing beside it for 24 hours.
    public func rotateWebhookSecret(id: String, by actor: AuditEntry.Actor) throws -> WebhookView {
        try write { tx in
            var webhook = try Self.webhook(id, tx.rows)
            webhook.previousSecret = webhook.secret
            webhook.previousSecretExpiresAt = tx.now.adding(seconds: 86400)
            webhook.secret = WebhookSigner.newSecret()
            webhook.updatedAt = tx.now
            try tx.rows.updateWebhook(webhook)
            try tx.audit(actor, "webhook.secret_rotated", id)
            return WebhookView(webhook, stats: try tx.rows.webhookStats(id: id), secret: webhook.secret)
        }
    }

    /// A `webhook.test` delivery, sent at once (ahead of a failing one).
    public func sendTestEvent(webhookId: String) throws -> WebhookDelivery {
        try write { tx in
            let webhook = try Self.webhook(webhookId, tx.rows)
            guard webhook.enabled else { throw Self.webhookDisabled }
            let data = WebhookTestData(webhookId: webhookId, message: "A test event from Switchboard: this endpoint is connected.")
            let delivery = WebhookDelivery(webhookId: webhookId, messageId: WebhookSigner.messageId(), eventType: .test,
                                           body: try WireJSON.string(WebhookBody(type: .test, timestamp: tx.now, data: data)),
                                           nextAttemptAt: tx.now, createdAt: tx.now)
            let id = try tx.rows.insertDelivery(delivery)
            return try tx.rows.delivery(id: id) ?? delivery
        }
    }

    // MARK: The log

    /// A page of an endpoint's deliveries, newest first.
    public func webhookDeliveries(_ query: DeliveryQuery) throws -> [WebhookDelivery] {
        try read { rows in
            _ = try Self.webhook(query.webhookId, rows)
            return try rows.deliveries(query)
        }
    }

    /// Sends a delivery again, pending from now with the same body and `webhook-id`.
    public func redeliver(webhookId: String, deliveryId: String, by actor: AuditEntry.Actor) throws -> WebhookDelivery {
        try write { tx in
            let webhook = try Self.webhook(webhookId, tx.rows)
            guard let id = Int64(deliveryId), var delivery = try tx.rows.delivery(id: id), delivery.webhookId == webhookId else {
                throw AppError.notFound("No delivery \(String(deliveryId.prefix(64))) for this endpoint.", code: "delivery_not_found")
            }
            guard webhook.enabled else { throw Self.webhookDisabled }
            if delivery.state == .pending {
                // Waiting already (perhaps being sent right now: its lease stays): it and
                // whatever waits with it go now instead of after the backoff.
                try tx.rows.hurryDeliveries(webhookId: webhookId, at: tx.now)
                try tx.audit(actor, "webhook.redelivered", webhookId, ["delivery": String(id), "event_type": delivery.eventType.rawValue])
                return try tx.rows.delivery(id: id) ?? delivery
            }
            delivery.state = .pending
            delivery.nextAttemptAt = tx.now
            // A fresh day of retries, backing off from the start again.
            delivery.firstAttemptAt = nil
            delivery.attempts = 0
            delivery.deliveredAt = nil
            try tx.rows.updateDelivery(delivery)
            try tx.audit(actor, "webhook.redelivered", webhookId, ["delivery": String(id), "event_type": delivery.eventType.rawValue])
            return delivery
        }
    }

    // MARK: The sender's bookkeeping

    /// Leases the deliveries due now (per endpoint its oldest, plus tests), at most `limit`.
    /// The lease covers the address check (the resolver's own timeouts) and the 10 s post;
    /// an outcome that comes later than that is not recorded (`webhookAttempted` nil).
    public func takeWebhookDeliveries(now: Timestamp = .now(), limit: Int = 8, leaseSeconds: Int64 = 30) throws -> [WebhookSend] {
        guard try !read({ try $0.dueDeliveries(now: now, limit: 1) }).isEmpty else { return [] }
        return try write { tx in
            var taken: [WebhookSend] = []
            for delivery in try tx.rows.dueDeliveries(now: now, limit: limit) {
                // One ordered delivery per endpoint per round (the next is due only once this one is done).
                if !delivery.isTest, taken.contains(where: { !$0.delivery.isTest && $0.delivery.webhookId == delivery.webhookId }) { continue }
                let token = Secrets.token()
                guard let webhook = try tx.rows.webhook(id: delivery.webhookId),
                      try tx.rows.leaseDelivery(id: delivery.id, until: now.adding(seconds: leaseSeconds), now: now, token: token) else { continue }
                taken.append(WebhookSend(delivery: delivery, url: webhook.url, secrets: webhook.signingSecrets(at: now), leaseToken: token))
            }
            return taken
        }
    }

    /// Records an attempt: delivered; retried later with backoff; or, a day after its first
    /// attempt, failed, which disables the endpoint (its other pending deliveries fail, and
    /// the admins get one e-mail). Returns the delivery's new state, or nil when the attempt
    /// no longer holds the delivery (its lease ran out and another took it, the endpoint was
    /// disabled or deleted meanwhile): nothing is recorded then.
    @discardableResult
    public func webhookAttempted(_ send: WebhookSend, _ outcome: WebhookOutcome, at now: Timestamp = .now(),
                                 jitter: Double = Double.random(in: 0.8...1.2)) throws -> WebhookDelivery.State? {
        try write { tx in
            guard var delivery = try tx.rows.delivery(id: send.delivery.id), delivery.state == .pending,
                  delivery.leaseToken == send.leaseToken else { return nil }
            delivery.attempts += 1
            delivery.firstAttemptAt = delivery.firstAttemptAt ?? now
            delivery.lastAttemptAt = now
            switch outcome {
            case .delivered(let status):
                delivery.state = .delivered
                delivery.lastStatusCode = status
                delivery.lastError = nil
                delivery.nextAttemptAt = nil
                delivery.deliveredAt = now
                try tx.rows.updateDelivery(delivery)
                try tx.rows.noteAttempt(webhookId: delivery.webhookId, at: now, statusCode: status, succeeded: true)
                // It answers again: whatever waits behind a failure goes now.
                try tx.rows.hurryDeliveries(webhookId: delivery.webhookId, at: now)
            case .failed(let status, let error):
                delivery.lastStatusCode = status
                delivery.lastError = String(error.prefix(500))
                try tx.rows.noteAttempt(webhookId: delivery.webhookId, at: now, statusCode: status, succeeded: false)
                let failingFor = now.milliseconds - (delivery.firstAttemptAt ?? now).milliseconds
                if failingFor >= Self.webhookGiveUpSeconds * 1000 {
                    delivery.state = .failed
                    delivery.nextAttemptAt = nil
                    try tx.rows.updateDelivery(delivery)
                    if !delivery.isTest { try disableFailingWebhook(delivery, tx) }
                } else {
                    let wait = Double(policy.webhookBackoffSeconds(afterAttempts: delivery.attempts)) * jitter
                    delivery.nextAttemptAt = Timestamp(milliseconds: now.milliseconds + Int64(wait * 1000))
                    try tx.rows.updateDelivery(delivery)
                }
            }
            return delivery.state
        }
    }

    /// An endpoint that failed for a day: disabled with the reason, its pending deliveries
    /// failed, one e-mail to each admin with an address.
    private func disableFailingWebhook(_ delivery: WebhookDelivery, _ tx: Transaction) throws {
        guard var webhook = try tx.rows.webhook(id: delivery.webhookId), webhook.enabled else { return }
        let since = delivery.firstAttemptAt ?? tx.now
        webhook.enabled = false
        webhook.disabledReason = "Every attempt since \(since.iso8601) failed for 24 hours (last: \(delivery.lastError ?? "no answer")). "
            + "Fix the receiver, then enable the endpoint and redeliver what it missed."
        webhook.updatedAt = tx.now
        try tx.rows.updateWebhook(webhook)
        try tx.rows.failPendingDeliveries(webhookId: webhook.id, error: "endpoint disabled", at: tx.now)
        try tx.audit(.system, "webhook.disabled", webhook.id, ["url": webhook.url])
        guard policy.mailEnabled else { return }
        let settings = try tx.rows.settings() ?? .defaults
        for member in try tx.rows.team() where member.agent.role == .admin && !member.agent.disabled {
            guard let email = member.agent.email else { continue }
            _ = try tx.rows.insertEmail(OutgoingEmail(
                kind: .webhookDisabled, conversationId: nil, recipient: email,
                subject: "\(settings.brandName): a webhook endpoint was disabled",
                body: """
                    The webhook endpoint \(webhook.url)\(webhook.description.isEmpty ? "" : " (\(webhook.description))") failed every \
                    delivery for 24 hours and has been disabled.

                    \(webhook.disabledReason ?? "")

                    Settings → Integrations: \(policy.publicURL)/agent/
                    """,
                state: .pending, notBefore: tx.now, createdAt: tx.now))
        }
    }

    /// Deletes deliveries older than the retention (their bodies hold customers' words).
    public func pruneWebhookDeliveries(now: Timestamp = .now()) throws -> Int {
        try write { tx in try tx.rows.pruneDeliveries(before: now.adding(seconds: -Self.deliveryRetentionSeconds)) }
    }

    /// Endpoints disabled now (the metrics gauge).
    public func disabledWebhookCount() throws -> Int {
        try read { try $0.disabledWebhookCount() }
    }

    // MARK: Rules

    static let webhookDisabled = AppError.conflict("This endpoint is disabled; enable it first.", code: "webhook_disabled")

    static func webhook(_ id: String, _ rows: any StoreReader) throws -> Webhook {
        guard let webhook = try rows.webhook(id: id) else {
            throw AppError.notFound("No webhook endpoint \(String(id.prefix(64))).", code: "webhook_not_found")
        }
        return webhook
    }

    /// The URL as given, once its form and every address it resolves to are allowed.
    func checkWebhookURL(_ url: String) throws -> String {
        let target = try WebhookTarget.parse(url, policy: policy.webhookAddresses)
        _ = try target.checkedAddress(policy.webhookAddresses, resolve: webhookResolver.resolve)
        return url
    }

    static func eventTypes(_ names: [String]) throws -> [WebhookEventType] {
        guard (1...10).contains(names.count) else {
            throw AppError.badRequest("events: 1 to 10 event types.", code: "invalid_events")
        }
        var types: [WebhookEventType] = []
        for name in names {
            guard let type = WebhookEventType(rawValue: name), type != .test else {
                let known = WebhookEventType.subscribable.map(\.rawValue).joined(separator: ", ")
                throw AppError.badRequest("events: \(String(name.prefix(64))) is not an event type (\(known)).", code: "invalid_events")
            }
            guard !types.contains(type) else { throw AppError.badRequest("events: \(name) is listed twice.", code: "invalid_events") }
            types.append(type)
        }
        return types
    }

    static func webhookDescription(_ text: String) throws -> String {
        try Validate.text(text, "description", 0...200, code: "invalid_webhook")
    }
}

/// Where webhook host names are resolved: the system's resolver, or a test's own answers.
public struct WebhookResolver: Sendable {
    public let resolve: @Sendable (String, Int) -> [[UInt8]]?
    public init(_ resolve: @escaping @Sendable (String, Int) -> [[UInt8]]?) { self.resolve = resolve }
}

extension ChatPolicy {
    /// The wait before attempt `attempts + 1` of a webhook delivery (before jitter).
    public func webhookBackoffSeconds(afterAttempts attempts: Int) -> Int64 {
        min(3600, webhookRetrySeconds << Int64(min(max(attempts - 1, 0), 16)))
    }
}

extension AuditEntry.Actor {
    /// The background sender, acting on its own (an endpoint disabled after a day of failures).
    public static let system = AuditEntry.Actor(id: nil, username: "system")
}

// MARK: Announcing

extension Transaction {
    /// Queues an event for every enabled endpoint subscribed to `type`: one body, one
    /// `webhook-id`, written in this transaction (so none is lost or invented). `data` is
    /// built only when someone listens.
    func announce(_ type: WebhookEventType, conversationId: String? = nil, contactId: String? = nil,
                  _ data: () throws -> some Encodable) throws {
        let endpoints = try rows.webhookIds(subscribedTo: type)
        guard !endpoints.isEmpty else { return }
        let body = try WireJSON.string(WebhookBody(type: type, timestamp: now, data: try data()))
        let messageId = WebhookSigner.messageId()
        for endpoint in endpoints {
            _ = try rows.insertDelivery(WebhookDelivery(webhookId: endpoint, messageId: messageId, eventType: type, body: body,
                                                        nextAttemptAt: now, createdAt: now, conversationId: conversationId,
                                                        contactId: contactId))
        }
    }

    /// A `conversation.*` event with the conversation as agents see it now.
    func announceConversation(_ type: WebhookEventType, _ id: String) throws {
        try announce(type, conversationId: id) { try ChatService.summary(try conversation(id), viewer: nil, rows) }
    }

    func conversationCreated(_ id: String) throws { try announceConversation(.conversationCreated, id) }

    /// The webhooks that follow from an outbox event (called by `emit`).
    func announce(_ event: ChatEvent) throws {
        switch event {
        case .messageCreated(let message) where message.senderType != .system:
            try announce(.messageCreated, conversationId: message.conversationId) { message }
        case .agentAssigned(let id, _): try announceConversation(.conversationAssigned, id)
        case .chatClosed(let id, _, _): try announceConversation(.conversationClosed, id)
        case .conversationRated(let id, _): try announceConversation(.conversationRated, id)
        default: break
        }
    }

    /// `contact.created`, for a contact someone can tell apart: one with the shop's id, a
    /// name or an e-mail (a visitor who gave none is announced when they first give one).
    func contactCreated(_ id: String) throws {
        guard let contact = try rows.contact(id: id), contact.externalId != nil || contact.name != nil || contact.email != nil else { return }
        try announce(.contactCreated, contactId: id) { contact }
    }

    /// `contact.updated` when the name or the e-mail changed (`contact.created` for a visitor
    /// who gave neither until now).
    func contactChanged(_ before: Contact, _ after: Contact) throws {
        guard before.name != after.name || before.email != after.email else { return }
        if before.externalId == nil && before.name == nil && before.email == nil { return try contactCreated(after.id) }
        guard let contact = try rows.contact(id: after.id) else { return }
        try announce(.contactUpdated, contactId: after.id) { contact }
    }
}
