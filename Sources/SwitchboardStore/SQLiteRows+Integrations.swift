import Foundation
import GRDB
import SwitchboardCore

/// API keys (each through an agents row of its own) and webhook endpoints with their deliveries.
extension SQLiteRows: ApiKeyReader, WebhookReader {
    private static let apiKeyColumns = """
        k.id, a.display_name, a.role, k.prefix, k.created_at, a.last_seen_at, k.revoked_at
        FROM api_keys k JOIN agents a ON a.id = k.id
        """

    private static func apiKey(_ row: Row) throws -> ApiKey {
        let id: String = row[0]
        return ApiKey(id: id, name: row[1], role: try Records.parse(row[2], "agents", row: id, "role"), prefix: row[3],
                      createdAt: Timestamp(milliseconds: row[4]), lastUsedAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:)),
                      revokedAt: (row[6] as Int64?).map(Timestamp.init(milliseconds:)))
    }

    func apiKeys() throws -> [ApiKey] {
        try Row.decodeAll(try db.cachedStatement(sql: "SELECT \(Self.apiKeyColumns) ORDER BY k.created_at DESC, k.id"), Self.apiKey)
    }

    func apiKey(id: String) throws -> ApiKey? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Self.apiKeyColumns) WHERE k.id = ?"), arguments: [id], Self.apiKey)
    }

    func agent(apiKeyHash: [UInt8]) throws -> Agent? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT \(Columns.agentOfA) FROM api_keys k JOIN agents a ON a.id = k.id
            WHERE k.key_hash = ? AND k.revoked_at IS NULL AND a.disabled = 0
            """), arguments: [Data(apiKeyHash)], columns: Columns.agentNames, Records.agent)
    }

    // MARK: Webhooks

    private static let webhookColumns = """
        id, url, description, events, enabled, secret, previous_secret, previous_secret_expires_at, disabled_reason,
        created_at, updated_at FROM webhooks
        """

    private static func webhook(_ row: Row) throws -> Webhook {
        let id: String = row[0]
        let names = (try? WireJSON.decode([String].self, from: row[3] as String)) ?? []
        return Webhook(id: id, url: row[1], description: row[2], events: try names.map { try Records.parse($0, "webhooks", row: id, "events") },
                       enabled: row[4], secret: row[5], previousSecret: row[6],
                       previousSecretExpiresAt: (row[7] as Int64?).map(Timestamp.init(milliseconds:)), disabledReason: row[8],
                       createdAt: Timestamp(milliseconds: row[9]), updatedAt: Timestamp(milliseconds: row[10]))
    }

    func webhooks() throws -> [Webhook] {
        try Row.decodeAll(try db.cachedStatement(sql: "SELECT \(Self.webhookColumns) ORDER BY created_at, id"), Self.webhook)
    }

    func webhook(id: String) throws -> Webhook? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Self.webhookColumns) WHERE id = ?"), arguments: [id], Self.webhook)
    }

    func webhookIds(subscribedTo type: WebhookEventType) throws -> [String] {
        // A handful of rows at most (20 endpoints): the JSON list is searched in place.
        try String.fetchAll(try db.cachedStatement(sql: """
            SELECT id FROM webhooks WHERE enabled = 1 AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?) ORDER BY created_at, id
            """), arguments: [type.rawValue])
    }

    func webhookStats(id: String) throws -> WebhookStats {
        var stats = WebhookStats()
        if let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT last_attempt_at, last_status_code, failing_since FROM webhooks WHERE id = ?"),
                                      arguments: [id]) {
            stats.lastAttemptAt = (row[0] as Int64?).map(Timestamp.init(milliseconds:))
            stats.lastStatusCode = row[1]
            stats.failingSince = (row[2] as Int64?).map(Timestamp.init(milliseconds:))
            stats.everAttempted = stats.lastAttemptAt != nil
        }
        stats.pending = try Int.fetchOne(try db.cachedStatement(sql: """
            SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'
            """), arguments: [id]) ?? 0
        return stats
    }

    /// The endpoint's oldest pending delivery of its ordered events (tests go around it).
    private func head(webhookId: String) throws -> WebhookDelivery? {
        try Row.decodeOne(try db.cachedStatement(sql: """
            SELECT \(Self.deliveryColumns) WHERE webhook_id = ? AND state = 'pending' AND event_type <> 'webhook.test' ORDER BY id LIMIT 1
            """), arguments: [webhookId], Self.delivery)
    }

    private static let deliveryColumns = """
        id, webhook_id, message_id, event_type, body, state, attempts, last_status_code, last_error, next_attempt_at,
        first_attempt_at, last_attempt_at, created_at, delivered_at, conversation_id, contact_id, lease_token FROM webhook_deliveries
        """

    private static func delivery(_ row: Row) throws -> WebhookDelivery {
        let id: Int64 = row[0]
        func time(_ i: Int) -> Timestamp? { (row[i] as Int64?).map(Timestamp.init(milliseconds:)) }
        var delivery = WebhookDelivery(
            id: id, webhookId: row[1], messageId: row[2],
            eventType: try Records.parse(row[3], "webhook_deliveries", row: String(id), "event_type"), body: row[4],
            state: try Records.parse(row[5], "webhook_deliveries", row: String(id), "state"), attempts: row[6],
            lastStatusCode: row[7], lastError: row[8], nextAttemptAt: time(9), firstAttemptAt: time(10), lastAttemptAt: time(11),
            createdAt: Timestamp(milliseconds: row[12]), deliveredAt: time(13), conversationId: row[14], contactId: row[15])
        delivery.leaseToken = row[16]
        return delivery
    }

    func deliveries(_ query: DeliveryQuery) throws -> [WebhookDelivery] {
        try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Self.deliveryColumns) WHERE webhook_id = ? AND id < ? AND (? IS NULL OR state = ?) ORDER BY id DESC LIMIT ?
            """), arguments: [query.webhookId, query.beforeId ?? Int64.max, query.state?.rawValue, query.state?.rawValue, query.limit],
            Self.delivery)
    }

    func delivery(id: Int64) throws -> WebhookDelivery? {
        try Row.decodeOne(try db.cachedStatement(sql: "SELECT \(Self.deliveryColumns) WHERE id = ?"), arguments: [id], Self.delivery)
    }

    func dueDeliveries(now: Timestamp, limit: Int) throws -> [WebhookDelivery] {
        var due: [WebhookDelivery] = []
        // Per enabled endpoint its head only: later events wait behind a failing one.
        for id in try String.fetchAll(try db.cachedStatement(sql: "SELECT id FROM webhooks WHERE enabled = 1 ORDER BY created_at, id")) {
            if let head = try head(webhookId: id), let at = head.nextAttemptAt, at <= now, try !inFlight(webhookId: id, now) {
                due.append(head)
            }
        }
        due += try Row.decodeAll(try db.cachedStatement(sql: """
            SELECT \(Self.deliveryColumns) WHERE state = 'pending' AND event_type = 'webhook.test' AND next_attempt_at <= ? AND lease_until <= ?
              AND webhook_id IN (SELECT id FROM webhooks WHERE enabled = 1) ORDER BY next_attempt_at, id LIMIT ?
            """), arguments: [now.milliseconds, now.milliseconds, limit], Self.delivery)
        return Array(due.sorted { ($0.nextAttemptAt ?? now, $0.id) < ($1.nextAttemptAt ?? now, $1.id) }.prefix(limit))
    }

    /// Whether one of the endpoint's ordered deliveries is being sent (a redelivered older one
    /// becomes the head while a newer one is still in flight: one attempt at a time).
    private func inFlight(webhookId: String, _ now: Timestamp) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'
                           AND event_type <> 'webhook.test' AND lease_until > ?)
            """), arguments: [webhookId, now.milliseconds]) ?? true
    }

    func disabledWebhookCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM webhooks WHERE enabled = 0 AND disabled_reason IS NOT NULL")) ?? 0
    }
}

extension SQLiteRows: ApiKeyWriter, WebhookWriter {
    func insertApiKey(id: String, prefix: String, keyHash: [UInt8], createdAt: Timestamp) throws {
        try db.cachedStatement(sql: "INSERT INTO api_keys (id, prefix, key_hash, created_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [id, prefix, Data(keyHash), createdAt.milliseconds])
    }

    func revokeApiKey(id: String, at now: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .execute(arguments: [now.milliseconds, id])
        try db.cachedStatement(sql: "UPDATE agents SET disabled = 1, updated_at = ? WHERE id = ? AND integration = 1")
            .execute(arguments: [now.milliseconds, id])
    }

    func insertWebhook(_ w: Webhook) throws {
        try db.cachedStatement(sql: """
            INSERT INTO webhooks (id, url, description, events, enabled, secret, previous_secret, previous_secret_expires_at,
                                  disabled_reason, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [w.id, w.url, w.description, try WireJSON.string(w.events.map(\.rawValue)), w.enabled, w.secret,
                                     w.previousSecret, w.previousSecretExpiresAt?.milliseconds, w.disabledReason,
                                     w.createdAt.milliseconds, w.updatedAt.milliseconds])
    }

    func updateWebhook(_ w: Webhook) throws {
        try db.cachedStatement(sql: """
            UPDATE webhooks SET url = ?, description = ?, events = ?, enabled = ?, secret = ?, previous_secret = ?,
                previous_secret_expires_at = ?, disabled_reason = ?, updated_at = ? WHERE id = ?
            """).execute(arguments: [w.url, w.description, try WireJSON.string(w.events.map(\.rawValue)), w.enabled, w.secret,
                                     w.previousSecret, w.previousSecretExpiresAt?.milliseconds, w.disabledReason,
                                     w.updatedAt.milliseconds, w.id])
    }

    func deleteWebhook(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM webhook_deliveries WHERE webhook_id = ?").execute(arguments: [id])
        try db.cachedStatement(sql: "DELETE FROM webhooks WHERE id = ?").execute(arguments: [id])
    }

    func insertDelivery(_ d: WebhookDelivery) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO webhook_deliveries (webhook_id, message_id, event_type, body, state, attempts, next_attempt_at, created_at,
                                            conversation_id, contact_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [d.webhookId, d.messageId, d.eventType.rawValue, d.body, d.state.rawValue, d.attempts,
                                     d.nextAttemptAt?.milliseconds, d.createdAt.milliseconds, d.conversationId, d.contactId])
        return db.lastInsertedRowID
    }

    func updateDelivery(_ d: WebhookDelivery) throws {
        // The lease ends with the attempt's outcome.
        try db.cachedStatement(sql: """
            UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status_code = ?, last_error = ?, next_attempt_at = ?,
                first_attempt_at = ?, last_attempt_at = ?, delivered_at = ?, lease_until = 0, lease_token = NULL WHERE id = ?
            """).execute(arguments: [d.state.rawValue, d.attempts, d.lastStatusCode, d.lastError, d.nextAttemptAt?.milliseconds,
                                     d.firstAttemptAt?.milliseconds, d.lastAttemptAt?.milliseconds, d.deliveredAt?.milliseconds, d.id])
    }

    func leaseDelivery(id: Int64, until: Timestamp, now: Timestamp, token: String) throws -> Bool {
        try db.cachedStatement(sql: """
            UPDATE webhook_deliveries SET lease_until = ?, lease_token = ? WHERE id = ? AND state = 'pending' AND lease_until <= ?
            """).execute(arguments: [until.milliseconds, token, id, now.milliseconds])
        return db.changesCount == 1
    }

    func moveDeliveries(fromContact: String, toContact: String) throws {
        try db.cachedStatement(sql: "UPDATE webhook_deliveries SET contact_id = ? WHERE contact_id = ?")
            .execute(arguments: [toContact, fromContact])
    }

    func noteAttempt(webhookId: String, at: Timestamp, statusCode: Int?, succeeded: Bool) throws {
        try db.cachedStatement(sql: """
            UPDATE webhooks SET last_attempt_at = ?, last_status_code = ?,
                failing_since = CASE WHEN ? THEN NULL ELSE COALESCE(failing_since, ?) END WHERE id = ?
            """).execute(arguments: [at.milliseconds, statusCode, succeeded, at.milliseconds, webhookId])
    }

    func failPendingDeliveries(webhookId: String, error: String, at: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE webhook_deliveries SET state = 'failed', last_error = ?, next_attempt_at = NULL, lease_until = 0, lease_token = NULL
            WHERE webhook_id = ? AND state = 'pending'
            """).execute(arguments: [error, webhookId])
    }

    func hurryDeliveries(webhookId: String, at: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE webhook_deliveries SET next_attempt_at = ? WHERE webhook_id = ? AND state = 'pending' AND next_attempt_at > ?
            """).execute(arguments: [at.milliseconds, webhookId, at.milliseconds])
    }

    func pruneDeliveries(before: Timestamp) throws -> Int {
        // A pending one is never pruned: it fails after 24 hours first.
        try db.cachedStatement(sql: "DELETE FROM webhook_deliveries WHERE created_at < ? AND state <> 'pending'")
            .execute(arguments: [before.milliseconds])
        return db.changesCount
    }
}
