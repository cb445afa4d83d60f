import SwitchboardCore

/// API keys' constants.
public enum ApiKeys {
    /// Every key starts with it, so a leaked one is easy to find and to tell from a session token.
    public static let prefix = "sbk_"
    static let maxLive = 50
    static let nameLength = 1...60
}

/// `POST /agent/conversations`: a conversation for a known customer, opened by the shop.
public struct OpenConversationInput: Decodable, Sendable {
    public var contactId: String?
    public var externalId: String?
    public var name: String?
    public var email: String?
    public var content: String?
    public var clientMessageId: String?

    public init(contactId: String? = nil, externalId: String? = nil, name: String? = nil, email: String? = nil,
                content: String? = nil, clientMessageId: String? = nil) {
        self.contactId = contactId
        self.externalId = externalId
        self.name = name
        self.email = email
        self.content = content
        self.clientMessageId = clientMessageId
    }

    enum CodingKeys: String, CodingKey {
        case contactId = "contact_id", externalId = "external_id", name, email, content, clientMessageId = "client_message_id"
    }
}

/// What `openConversation` did.
public struct OpenedConversation: Sendable {
    public var conversation: AgentConversation
    public var message: Message?
    public var created: Bool
}

/// API keys for the shop's systems (API.md "API keys"): each acts through an agents row of
/// its own (`Agent.integration`), so every rule that asks "which agent?" has an answer, and
/// the few that a person alone may do refuse it.
extension ChatService {
    public func apiKeys() throws -> [ApiKey] {
        try read { try $0.apiKeys() }
    }

    /// A new key, shown once in the answer; stored as its SHA-256 like session tokens.
    public func createApiKey(_ input: ApiKeyInput, by actor: AuditEntry.Actor) throws -> CreatedApiKey {
        let name = try Validate.text(input.name, "name", ApiKeys.nameLength, code: "invalid_api_key")
        let key = Secrets.token(prefix: ApiKeys.prefix)
        return try write { tx in
            let live = try tx.rows.apiKeys().filter { $0.revokedAt == nil }
            guard live.count < ApiKeys.maxLive else {
                throw AppError.conflict("At most \(ApiKeys.maxLive) API keys at once; revoke one first.", code: "api_key_limit")
            }
            guard !live.contains(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw AppError.conflict("A key named \(name) exists; give this one another name.", code: "name_taken")
            }
            let id = Identifiers.uuid()
            // Never online, never routed a chat (routing skips integrations), no password anyone can sign in with.
            let agent = Agent(id: id, username: "integration:\(id)", displayName: name, role: input.role, presence: .offline,
                              maxActiveChats: 1, createdAt: tx.now, updatedAt: tx.now, integration: true)
            try tx.accounts.insertAgent(agent, passwordHash: PasswordHasher.unusable)
            let prefix = String(key.prefix(ApiKeys.prefix.count + 8))
            try tx.accounts.insertApiKey(id: id, prefix: prefix, keyHash: Secrets.sha256(key), createdAt: tx.now)
            try tx.audit(actor, "api_key.created", id, ["name": name, "role": input.role.rawValue])
            guard let stored = try tx.rows.apiKey(id: id) else { throw AppError.notFound("API key not found.", code: "api_key_not_found") }
            return CreatedApiKey(apiKey: stored, key: key)
        }
    }

    /// Revokes a key at once: its next request is a 401 and its event streams end. Revoking a
    /// revoked key changes nothing.
    public func revokeApiKey(id: String, by actor: AuditEntry.Actor) throws {
        try write { tx in
            guard let key = try tx.rows.apiKey(id: id) else {
                throw AppError.notFound("No API key \(String(id.prefix(64))).", code: "api_key_not_found")
            }
            guard key.revokedAt == nil else { return }
            try tx.accounts.revokeApiKey(id: id, at: tx.now)
            try tx.emit(.agentSessionRevoked(agentId: id))
            try tx.audit(actor, "api_key.revoked", id, ["name": key.name])
        }
    }

    /// Opens a conversation for a known customer, or adds to the one they have open (one
    /// open conversation per contact). A person's `content` takes the conversation, as a
    /// reply does; an integration's leaves it with the bot.
    public func openConversation(_ input: OpenConversationInput, by agent: Agent) throws -> OpenedConversation {
        let content = try input.content.map(Validate.content)
        let clientMessageId = try Validate.clientMessageId(input.clientMessageId)
        let name = try input.name.map { try Validate.text($0, "name", 1...80, code: "invalid_contact") }
        let email = try input.email.map { try Validate.email($0) }
        let externalId = try input.externalId.map { id -> String in
            guard id.trimmingSpaces == id else {
                throw AppError.badRequest("external_id: the shop's customer id, without spaces around it.", code: "invalid_contact")
            }
            return try Validate.text(id, "external_id", IdentityToken.subjectLength, code: "invalid_contact")
        }
        guard (input.contactId == nil) != (externalId == nil) else {
            throw AppError.badRequest("Give contact_id or external_id (one of them).", code: "invalid_contact")
        }
        return try write { tx in
            var contact: Contact
            if let id = input.contactId {
                contact = try Self.contact(id, tx.rows)
            } else if let externalId, let known = try tx.rows.contact(externalId: externalId, verified: true) {
                contact = known
            } else {
                // The shop's own customer id from its own system: as trusted as its signed tokens.
                contact = Contact(id: Identifiers.uuid(), externalId: externalId, verified: true, name: name, email: email,
                                  createdAt: tx.now, lastSeenAt: tx.now)
                try tx.rows.insertContact(contact)
                try tx.contactCreated(contact.id)
            }
            if input.contactId == nil, contact.name == nil && name != nil || contact.email == nil && email != nil {
                let before = contact
                contact.name = contact.name ?? name
                contact.email = contact.email ?? email
                try tx.rows.updateContact(contact)
                try tx.contactChanged(before, contact)
            }
            var created = false
            let id: String
            if let open = try tx.rows.openConversation(contactId: contact.id) {
                id = open.id
            } else {
                id = try startForShop(contact, tx)
                created = true
            }
            if let content {
                let (conversation, message) = try agentSend(id, by: agent, content: content, clientMessageId: clientMessageId, tx)
                return OpenedConversation(conversation: conversation, message: message, created: created)
            }
            return OpenedConversation(conversation: try agentView(tx.conversation(id), tx, viewer: agent), message: nil, created: created)
        }
    }

    /// A conversation the shop starts for `contact`: with the bot, no welcome.
    private func startForShop(_ contact: Contact, _ tx: Transaction) throws -> String {
        let id = Identifiers.uuid()
        let new = Conversation(id: id, status: .automated, assignedAgentId: nil, assignedAgentName: nil, hasAgentReplied: false,
                               requestedAgentAt: nil, closedAt: nil, createdAt: tx.now, updatedAt: tx.now,
                               customerDisplayName: contact.name ?? "Customer \(id.prefix(4).uppercased())",
                               customerEmail: contact.email, contactId: contact.id)
        // Reached through the contact's sign-ins only: the hash is of nothing anyone holds.
        try tx.rows.insertConversation(new, sessionHash: Secrets.randomBytes(32))
        try tx.conversationCreated(id)
        try tx.emit(.conversationUpdated(try tx.conversation(id)))
        return id
    }
}
