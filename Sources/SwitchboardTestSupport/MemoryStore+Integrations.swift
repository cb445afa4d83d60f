import SwitchboardCore

/// API keys and webhooks in memory, with the same effects as the SQLite statements.
extension MemoryRows {
    private func apiKey(_ id: String, _ stored: MemoryApiKey) -> ApiKey? {
        guard let agent = state.agents[id] else { return nil }
        return ApiKey(id: id, name: agent.displayName, role: agent.role, prefix: stored.prefix, createdAt: stored.createdAt,
                      lastUsedAt: agent.lastSeenAt, revokedAt: stored.revokedAt)
    }

    func apiKeys() throws -> [ApiKey] {
        state.apiKeys.compactMap { apiKey($0.key, $0.value) }.sorted { ($1.createdAt, $0.id) < ($0.createdAt, $1.id) }
    }

    func apiKey(id: String) throws -> ApiKey? { state.apiKeys[id].flatMap { apiKey(id, $0) } }

    func agent(apiKeyHash: [UInt8]) throws -> Agent? {
        guard let (id, _) = state.apiKeys.first(where: { $0.value.keyHash == apiKeyHash && $0.value.revokedAt == nil }),
              let agent = state.agents[id], !agent.disabled else { return nil }
        return agent
    }

    func insertApiKey(id: String, prefix: String, keyHash: [UInt8], createdAt: Timestamp) throws {
        if state.apiKeys.values.contains(where: { $0.keyHash == keyHash }) { throw MemoryStoreError.constraint("UNIQUE (key_hash)") }
        state.apiKeys[id] = MemoryApiKey(prefix: prefix, keyHash: keyHash, createdAt: createdAt, revokedAt: nil)
    }

    func revokeApiKey(id: String, at now: Timestamp) throws {
        if state.apiKeys[id]?.revokedAt == nil { state.apiKeys[id]?.revokedAt = now }
        if state.agents[id]?.integration == true {
            state.agents[id]?.disabled = true
            state.agents[id]?.updatedAt = now
        }
    }

    // MARK: Webhooks

    func webhooks() throws -> [Webhook] { state.webhooks.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }

    func webhook(id: String) throws -> Webhook? { state.webhooks[id] }

    func webhookIds(subscribedTo type: WebhookEventType) throws -> [String] {
        try webhooks().filter { $0.enabled && $0.events.contains(type) }.map(\.id)
    }

    private func head(_ webhookId: String) -> WebhookDelivery? {
        state.deliveries.first { $0.webhookId == webhookId && $0.state == .pending && !$0.isTest }
    }

    func webhookStats(id: String) throws -> WebhookStats {
        var stats = WebhookStats()
        if let attempt = state.webhookAttempts[id] {
            stats.lastAttemptAt = attempt.at
            stats.lastStatusCode = attempt.status
            stats.failingSince = attempt.failingSince
            stats.everAttempted = true
        }
        stats.pending = state.deliveries.count { $0.webhookId == id && $0.state == .pending }
        return stats
    }

    func deliveries(_ query: DeliveryQuery) throws -> [WebhookDelivery] {
        Array(state.deliveries.reversed().filter {
            $0.webhookId == query.webhookId && $0.id < (query.beforeId ?? .max) && (query.state == nil || $0.state == query.state)
        }.prefix(query.limit))
    }

    func delivery(id: Int64) throws -> WebhookDelivery? {
        guard var delivery = state.deliveries.first(where: { $0.id == id }) else { return nil }
        delivery.leaseToken = state.deliveryLeases[id]?.token
        return delivery
    }

    private func isLeased(_ id: Int64, _ now: Timestamp) -> Bool { (state.deliveryLeases[id]?.until ?? Timestamp(milliseconds: 0)) > now }

    private func isDue(_ d: WebhookDelivery, _ now: Timestamp) -> Bool {
        guard let at = d.nextAttemptAt, at <= now else { return false }
        return !isLeased(d.id, now)
    }

    func dueDeliveries(now: Timestamp, limit: Int) throws -> [WebhookDelivery] {
        let enabled = try webhooks().filter(\.enabled).map(\.id)
        let inFlight = Set(state.deliveries.filter { $0.state == .pending && !$0.isTest && isLeased($0.id, now) }.map(\.webhookId))
        var due = enabled.filter { !inFlight.contains($0) }.compactMap { head($0) }.filter { isDue($0, now) }
        due += state.deliveries.filter { $0.isTest && $0.state == .pending && enabled.contains($0.webhookId) && isDue($0, now) }
        return Array(due.sorted { ($0.nextAttemptAt ?? now, $0.id) < ($1.nextAttemptAt ?? now, $1.id) }.prefix(limit))
    }

    func disabledWebhookCount() throws -> Int { state.webhooks.values.count { !$0.enabled && $0.disabledReason != nil } }

    func insertWebhook(_ webhook: Webhook) throws { state.webhooks[webhook.id] = webhook }

    func updateWebhook(_ webhook: Webhook) throws {
        guard var stored = state.webhooks[webhook.id] else { return }
        stored = webhook
        state.webhooks[webhook.id] = stored
    }

    func deleteWebhook(id: String) throws {
        state.deliveries.removeAll { $0.webhookId == id }
        state.webhooks[id] = nil
        state.webhookAttempts[id] = nil
    }

    func insertDelivery(_ delivery: WebhookDelivery) throws -> Int64 {
        state.lastDeliveryId += 1
        var stored = delivery
        stored.id = state.lastDeliveryId
        state.deliveries.append(stored)
        return stored.id
    }

    func updateDelivery(_ delivery: WebhookDelivery) throws {
        guard let i = state.deliveries.firstIndex(where: { $0.id == delivery.id }) else { return }
        var stored = delivery
        // The columns the SQLite statement leaves alone.
        stored.body = state.deliveries[i].body
        stored.createdAt = state.deliveries[i].createdAt
        stored.leaseToken = nil
        state.deliveries[i] = stored
        state.deliveryLeases[delivery.id] = nil
    }

    func leaseDelivery(id: Int64, until: Timestamp, now: Timestamp, token: String) throws -> Bool {
        guard let d = try delivery(id: id), d.state == .pending, !isLeased(id, now) else { return false }
        state.deliveryLeases[id] = (until, token)
        return true
    }

    func moveDeliveries(fromContact: String, toContact: String) throws {
        for i in state.deliveries.indices where state.deliveries[i].contactId == fromContact { state.deliveries[i].contactId = toContact }
    }

    func noteAttempt(webhookId: String, at: Timestamp, statusCode: Int?, succeeded: Bool) throws {
        guard state.webhooks[webhookId] != nil else { return }
        let since = succeeded ? nil : state.webhookAttempts[webhookId]?.failingSince ?? at
        state.webhookAttempts[webhookId] = (at, statusCode, since)
    }

    func failPendingDeliveries(webhookId: String, error: String, at: Timestamp) throws {
        for i in state.deliveries.indices where state.deliveries[i].webhookId == webhookId && state.deliveries[i].state == .pending {
            state.deliveries[i].state = .failed
            state.deliveries[i].lastError = error
            state.deliveries[i].nextAttemptAt = nil
            state.deliveryLeases[state.deliveries[i].id] = nil
        }
    }

    func hurryDeliveries(webhookId: String, at: Timestamp) throws {
        for i in state.deliveries.indices where state.deliveries[i].webhookId == webhookId && state.deliveries[i].state == .pending {
            if let next = state.deliveries[i].nextAttemptAt, next > at { state.deliveries[i].nextAttemptAt = at }
        }
    }

    func pruneDeliveries(before: Timestamp) throws -> Int {
        let count = state.deliveries.count
        state.deliveries.removeAll { $0.createdAt < before && $0.state != .pending }
        return count - state.deliveries.count
    }
}
