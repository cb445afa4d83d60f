import SwitchboardCore

/// The writes of a memory transaction, with the same effects as the SQLite statements.
extension MemoryRows {
    func insertConversation(_ conversation: Conversation, sessionHash: [UInt8]) throws {
        state.conversations[conversation.id] = .init(conversation: conversation, sessionHash: sessionHash,
                                                     rowid: state.conversations.count + 1)
    }

    private func update(_ id: String, _ change: (inout Conversation) -> Void) {
        guard var row = state.conversations[id] else { return }
        change(&row.conversation)
        state.conversations[id] = row
    }

    func setQueued(conversationId: String, at now: Timestamp) throws {
        update(conversationId) {
            $0.status = .agent
            $0.assignedAgentId = nil
            $0.requestedAgentAt = now
            $0.updatedAt = now
            $0.awaitingSince = $0.awaitingSince ?? now
        }
    }

    func assignIfFree(conversationId: String, agentId: String, at now: Timestamp) throws -> Bool {
        guard let row = state.conversations[conversationId], row.conversation.assignedAgentId == nil,
              row.conversation.status != .closed else { return false }
        update(conversationId) {
            $0.status = .agent
            $0.assignedAgentId = agentId
            $0.requestedAgentAt = $0.requestedAgentAt ?? now
            $0.updatedAt = now
        }
        return true
    }

    func setContact(conversationId: String, displayName: String?, email: String, source: ContactSource, at now: Timestamp) throws {
        update(conversationId) {
            $0.customerDisplayName = displayName ?? $0.customerDisplayName
            $0.customerEmail = email
            $0.contactSource = source
            $0.updatedAt = now
        }
    }

    func setUnassigned(conversationId: String, at now: Timestamp) throws {
        update(conversationId) {
            $0.assignedAgentId = nil
            $0.updatedAt = now
        }
    }

    func setClosed(conversationId: String, at now: Timestamp) throws {
        update(conversationId) {
            $0.status = .closed
            $0.closedAt = now
            $0.updatedAt = now
        }
    }

    func setOffline(conversationId: String) throws {
        update(conversationId) { $0.offline = true }
    }

    func setTranscriptRequested(conversationId: String) throws {
        update(conversationId) { $0.transcriptRequested = true }
    }

    func markAgentReplied(conversationId: String, agentId: String, at now: Timestamp) throws {
        update(conversationId) { $0.hasAgentReplied = true }
        state.firstResponses[conversationId] = (now, agentId)
    }

    func touch(conversationId: String, at now: Timestamp, sender: SenderType) throws {
        update(conversationId) {
            $0.updatedAt = now
            switch sender {
            case .customer: $0.awaitingSince = $0.awaitingSince ?? now
            case .agent: $0.awaitingSince = nil
            case .bot, .system: break
            }
        }
    }

    func setReadCursor(agentId: String, conversationId: String, seq: Int64, at now: Timestamp) throws {
        state.readCursors[agentId + "\u{0}" + conversationId] = seq
    }

    func insertMessage(_ message: Message, replyToSeq: Int64?) throws -> Int64 {
        if let clientMessageId = message.clientMessageId,
           try self.message(clientMessageId: clientMessageId, conversationId: message.conversationId) != nil {
            throw MemoryStoreError.constraint("UNIQUE (conversation_id, client_message_id)")
        }
        var stored = message
        stored.seq = (state.messages.last?.message.seq ?? 0) + 1
        state.messages.append(.init(message: stored, replyToSeq: replyToSeq))
        return stored.seq
    }

    func insertFAQ(_ faq: FAQ) throws {
        if try self.faq(slug: faq.slug) != nil { throw MemoryStoreError.constraint("UNIQUE (slug)") }
        state.faqs[faq.id] = faq
    }

    func updateFAQ(_ faq: FAQ) throws {
        if let other = try self.faq(slug: faq.slug), other.id != faq.id { throw MemoryStoreError.constraint("UNIQUE (slug)") }
        guard var stored = state.faqs[faq.id] else { return }
        let created = stored.createdAt
        stored = faq
        stored.createdAt = created
        state.faqs[faq.id] = stored
    }

    func deleteFAQ(id: String) throws {
        state.faqs[id] = nil
    }

    func saveSettings(_ settings: Settings, at now: Timestamp) throws {
        state.settings = settings
    }

    func appendAudit(actor: AuditEntry.Actor, action: String, target: String, data: AuditData, at now: Timestamp) throws {
        state.audit.append(AuditEntry(id: (state.audit.last?.id ?? 0) + 1, actor: actor, action: action, target: target,
                                      data: data, createdAt: now))
    }

    func insertAgent(_ agent: Agent, passwordHash: String) throws {
        if try self.agent(username: agent.username) != nil { throw MemoryStoreError.constraint("UNIQUE (username)") }
        state.agents[agent.id] = agent
        state.passwordHashes[agent.id] = passwordHash
    }

    func setPresence(agentId: String, _ presence: Presence, awaySince: Timestamp?, at now: Timestamp) throws {
        state.agents[agentId]?.presence = presence
        state.agents[agentId]?.awaySince = awaySince
        state.agents[agentId]?.updatedAt = now
    }

    func updateAgent(_ agent: Agent, at now: Timestamp) throws {
        guard var stored = state.agents[agent.id] else { return }
        stored.displayName = agent.displayName
        stored.role = agent.role
        stored.maxActiveChats = agent.maxActiveChats
        stored.disabled = agent.disabled
        stored.presence = agent.presence
        stored.awaySince = agent.awaySince
        stored.email = agent.email
        stored.emailNotifications = agent.emailNotifications
        stored.updatedAt = now
        state.agents[agent.id] = stored
    }

    func setLastSeen(agentId: String, at now: Timestamp) throws {
        state.agents[agentId]?.lastSeenAt = now
    }

    func setPasswordHash(agentId: String, _ hash: String, at now: Timestamp) throws {
        guard state.agents[agentId] != nil else { return }
        state.passwordHashes[agentId] = hash
        state.demoAgents.remove(agentId)
        state.agents[agentId]?.updatedAt = now
    }

    func insertToken(hash: [UInt8], agentId: String, createdAt: Timestamp, expiresAt: Timestamp) throws {
        state.tokens[hash] = .init(agentId: agentId, expiresAt: expiresAt, revokedAt: nil)
    }

    func revokeToken(hash: [UInt8], at now: Timestamp) throws {
        if state.tokens[hash]?.revokedAt == nil { state.tokens[hash]?.revokedAt = now }
    }

    func revokeTokens(agentId: String, except: [UInt8]?, at now: Timestamp) throws {
        for (hash, token) in state.tokens where token.agentId == agentId && token.revokedAt == nil && hash != except {
            state.tokens[hash]?.revokedAt = now
        }
    }

    func deleteDeadTokens(agentId: String, before: Timestamp) throws {
        state.tokens = state.tokens.filter { _, token in
            !(token.agentId == agentId && (token.expiresAt < before || token.revokedAt != nil))
        }
    }

    func setLoginThrottle(username: String, _ throttle: LoginThrottle?) throws {
        state.loginThrottles[username] = throttle
    }

    func trust(username: String, clientKey: [UInt8], at now: Timestamp) throws {
        state.trusted.insert(Array(username.utf8) + [0] + clientKey)
    }

    func setClientKey(conversationId: String, _ key: [UInt8]) throws {
        state.clientKeys[conversationId] = key
    }

    func appendEvent(name: String, audience: EventAudience, conversationId: String?, data: String, at now: Timestamp) throws {
        state.lastEventId += 1
        state.events.append(StoredEvent(id: state.lastEventId, name: name, audience: audience,
                                        conversationId: conversationId, data: data, createdAt: now))
    }

    func insertEmail(_ email: OutgoingEmail) throws -> Int64 {
        var email = email
        email.id = (state.emails.last?.id ?? 0) + 1
        state.emails.append(email)
        return email.id
    }

    func updateEmail(_ email: OutgoingEmail) throws {
        guard let index = state.emails.firstIndex(where: { $0.id == email.id }) else { return }
        var stored = email
        // Like the SQL update: kind, conversation, recipient and anchor never change.
        stored.kind = state.emails[index].kind
        stored.conversationId = state.emails[index].conversationId
        stored.recipient = state.emails[index].recipient
        stored.anchorSeq = state.emails[index].anchorSeq
        stored.createdAt = state.emails[index].createdAt
        state.emails[index] = stored
    }

    func setStreamPresence(_ subject: StreamPresence.Subject, open: Bool, at now: Timestamp) throws {
        state.streams[subject.key] = StreamPresence(open: open, changedAt: now)
    }

    func forgetStreamPresence(_ subject: StreamPresence.Subject) throws {
        state.streams[subject.key] = nil
    }

    func closeAllStreams(at now: Timestamp) throws {
        for (key, presence) in state.streams where presence.open { state.streams[key] = StreamPresence(open: false, changedAt: now) }
    }
}

/// A write the SQLite schema would refuse.
public enum MemoryStoreError: Error, Equatable {
    case constraint(String)
}
