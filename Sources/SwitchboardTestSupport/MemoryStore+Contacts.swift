import SwitchboardChat
import SwitchboardCore

/// Contacts, customer sessions, identity secrets and refused sites in memory, with the
/// same effects as the SQLite statements.
extension MemoryRows {
    func contact(id: String) throws -> Contact? { counted(state.contacts[id]) }

    func contact(externalId: String, verified: Bool) throws -> Contact? {
        counted(state.contacts.values.first { $0.externalId == externalId && $0.verified == verified })
    }

    private func counted(_ contact: Contact?) -> Contact? {
        guard var contact else { return nil }
        contact.conversationsCount = state.conversations.values.count { $0.conversation.contactId == contact.id }
        return contact
    }

    func contacts(_ query: ContactQuery) throws -> [Contact] {
        let prefix = query.prefix.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        return state.contacts.values
            .filter { k in
                if let before = query.before, k.lastSeenAt >= before { return false }
                guard let prefix else { return true }
                return [k.name, k.email, k.externalId].contains { $0?.lowercased().hasPrefix(prefix) == true }
            }
            .sorted { ($0.lastSeenAt, $0.id) > ($1.lastSeenAt, $1.id) }
            .prefix(query.limit)
            .compactMap { counted($0) }
    }

    func customerSession(tokenHash: [UInt8]) throws -> CustomerSession? { state.customerSessions[tokenHash] }

    func liveCustomerSessions(contactId: String) throws -> [CustomerSession] {
        state.customerSessions.values.filter { $0.contactId == contactId && $0.revokedAt == nil }.sorted { $0.createdAt < $1.createdAt }
    }

    func openConversation(contactId: String) throws -> Conversation? {
        state.conversations.values
            .filter { $0.conversation.contactId == contactId && $0.conversation.status != .closed }
            .max { ($0.conversation.createdAt, $0.rowid) < ($1.conversation.createdAt, $1.rowid) }
            .map { withAgentName($0.conversation) }
    }

    func conversations(contactId: String) throws -> [(Conversation, Message?)] {
        try state.conversations.values
            .filter { $0.conversation.contactId == contactId }
            .sorted { ($0.conversation.createdAt, $0.rowid) > ($1.conversation.createdAt, $1.rowid) }
            .map { (withAgentName($0.conversation), try lastMessage(conversationId: $0.conversation.id)) }
    }

    func identitySecrets() throws -> [IdentitySecret] {
        state.identitySecrets.sorted { ($0.createdAt, $1.id) > ($1.createdAt, $0.id) }
    }

    func blockedSites(limit: Int) throws -> [BlockedSite] {
        Array(state.blockedSites.values.sorted { ($0.lastSeenAt, $1.origin) > ($1.lastSeenAt, $0.origin) }.prefix(limit))
    }

    // MARK: Writes

    func insertContact(_ contact: Contact) throws {
        if let externalId = contact.externalId, try self.contact(externalId: externalId, verified: contact.verified) != nil {
            throw MemoryStoreError.constraint("contacts_external")
        }
        var stored = contact
        stored.conversationsCount = 0
        state.contacts[contact.id] = stored
    }

    func updateContact(_ contact: Contact) throws {
        guard var stored = state.contacts[contact.id] else { return }
        stored.name = contact.name
        stored.email = contact.email
        stored.nameFromToken = contact.nameFromToken
        stored.emailFromToken = contact.emailFromToken
        stored.lastSeenAt = contact.lastSeenAt
        state.contacts[contact.id] = stored
    }

    func setContact(conversationId: String, contactId: String) throws {
        state.conversations[conversationId]?.conversation.contactId = contactId
    }

    func eraseContact(id: String) throws -> (conversations: Int, messages: Int) {
        let gone = Set(state.conversations.values.filter { $0.conversation.contactId == id }.map(\.conversation.id))
        let messages = state.messages.count { gone.contains($0.message.conversationId) }
        state.messages.removeAll { gone.contains($0.message.conversationId) }
        state.notes.removeAll { gone.contains($0.conversationId) }
        for conversation in gone {
            state.conversationLabels[conversation] = nil
            state.firstResponses[conversation] = nil
        }
        state.ratings = state.ratings.filter { key, _ in !gone.contains { key.hasPrefix($0 + "\u{0}") } }
        state.readCursors = state.readCursors.filter { key, _ in !gone.contains { key.hasSuffix("\u{0}" + $0) } }
        state.events.removeAll { $0.conversationId.map(gone.contains) == true }
        state.emails.removeAll { $0.conversationId.map(gone.contains) == true }
        state.deliveries.removeAll { $0.conversationId.map(gone.contains) == true || $0.contactId == id }
        state.attachments = state.attachments.filter { !gone.contains($0.value.conversationId) }
        for conversation in gone {
            state.streams[StreamPresence.Subject.conversation(conversation).key] = nil
            state.conversations[conversation] = nil
            state.clientKeys[conversation] = nil
        }
        state.customerSessions = state.customerSessions.filter { $0.value.contactId != id }
        state.contacts[id] = nil
        return (gone.count, messages)
    }

    func deleteContactIfUnused(id: String) throws {
        guard !state.conversations.values.contains(where: { $0.conversation.contactId == id }),
              !state.customerSessions.values.contains(where: { $0.contactId == id }) else { return }
        state.contacts[id] = nil
    }

    func retireSessionHash(_ hash: [UInt8]) throws {
        for (id, row) in state.conversations where row.sessionHash == hash {
            state.conversations[id]?.sessionHash = Secrets.randomBytes(32)
        }
    }

    func insertCustomerSession(_ session: CustomerSession, tokenHash: [UInt8]) throws {
        state.customerSessions[tokenHash] = session
    }

    func deleteDeadCustomerSessions(contactId: String, before: Timestamp) throws {
        state.customerSessions = state.customerSessions.filter { _, s in
            s.contactId != contactId || (s.expiresAt >= before && (s.revokedAt.map { $0 >= before } ?? true))
        }
    }

    func revokeCustomerSession(id: String, at now: Timestamp) throws {
        for (hash, session) in state.customerSessions where session.id == id && session.revokedAt == nil {
            state.customerSessions[hash]?.revokedAt = now
        }
    }

    func insertIdentitySecret(_ secret: IdentitySecret) throws {
        state.identitySecrets.append(secret)
    }

    func deleteIdentitySecret(id: String) throws -> Bool {
        let before = state.identitySecrets.count
        state.identitySecrets.removeAll { $0.id == id }
        return state.identitySecrets.count < before
    }

    func recordBlockedSite(origin: String, at now: Timestamp, keep: Int) throws {
        let attempts = (state.blockedSites[origin]?.attempts ?? 0) + 1
        state.blockedSites[origin] = BlockedSite(origin: origin, lastSeenAt: now, attempts: attempts)
        let kept = Set(try blockedSites(limit: keep).map(\.origin))
        state.blockedSites = state.blockedSites.filter { kept.contains($0.key) }
    }
}
