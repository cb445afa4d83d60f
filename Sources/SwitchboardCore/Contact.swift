/// Who a conversation is with: a customer the shop knows (its own id, `externalId`, from a
/// signed identity token or, when the shop allows it, a bare id) or an anonymous visitor.
/// Every conversation belongs to one (API.md "Known customers").
public struct Contact: Codable, Equatable, Sendable {
    public var id: String
    /// The shop's customer id; nil for an anonymous visitor.
    public var externalId: String?
    /// The id came in an identity token signed with the shop's secret.
    public var verified: Bool
    public var name: String?
    public var email: String?
    /// The name / e-mail came from a token: agents may not edit them (`verified_field`).
    public var nameFromToken: Bool = false
    public var emailFromToken: Bool = false
    public var createdAt: Timestamp
    public var lastSeenAt: Timestamp
    /// Joined in by reads; not stored.
    public var conversationsCount: Int = 0

    public init(id: String, externalId: String?, verified: Bool, name: String?, email: String?,
                nameFromToken: Bool = false, emailFromToken: Bool = false, createdAt: Timestamp, lastSeenAt: Timestamp,
                conversationsCount: Int = 0) {
        self.id = id
        self.externalId = externalId
        self.verified = verified
        self.name = name
        self.email = email
        self.nameFromToken = nameFromToken
        self.emailFromToken = emailFromToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.conversationsCount = conversationsCount
    }

    /// A new anonymous contact.
    public static func anonymous(id: String, name: String?, email: String?, at now: Timestamp) -> Contact {
        Contact(id: id, externalId: nil, verified: false, name: name, email: email, createdAt: now, lastSeenAt: now)
    }

    /// The summary a conversation carries.
    public var summary: ContactSummary {
        ContactSummary(id: id, externalId: externalId, verified: verified, name: name, email: email)
    }

    enum CodingKeys: String, CodingKey {
        case id, externalId = "external_id", verified, name, email, createdAt = "created_at", lastSeenAt = "last_seen_at"
        case conversationsCount = "conversations_count"
    }
}

/// A contact as a conversation shows it (`AgentConversation.contact`).
public struct ContactSummary: Codable, Equatable, Sendable {
    public var id: String
    public var externalId: String?
    public var verified: Bool
    public var name: String?
    public var email: String?

    public init(id: String, externalId: String?, verified: Bool, name: String?, email: String?) {
        self.id = id
        self.externalId = externalId
        self.verified = verified
        self.name = name
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case id, externalId = "external_id", verified, name, email
    }
}

/// A device's sign-in: `login` issues one per call, bound to a contact. Its id (not the
/// secret the device holds, which is stored hashed) names it in `customer.session_revoked`.
public struct CustomerSession: Equatable, Sendable {
    public var id: String
    public var contactId: String
    public var createdAt: Timestamp
    /// A sign-in is never a permanent login: past this the device signs in again (the shop's
    /// page hands the widget a fresh token on every load).
    public var expiresAt: Timestamp
    public var revokedAt: Timestamp?

    public init(id: String, contactId: String, createdAt: Timestamp, expiresAt: Timestamp, revokedAt: Timestamp?) {
        self.id = id
        self.contactId = contactId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Neither revoked nor expired at `now`.
    public func isLive(at now: Timestamp) -> Bool { revokedAt == nil && now < expiresAt }
}

/// A key the shop's server signs identity tokens with. The key itself must be kept to check
/// signatures (HMAC), so it is stored as it is; reads show its last four characters.
public struct IdentitySecret: Equatable, Sendable {
    public var id: String
    public var secret: String
    public var createdAt: Timestamp

    public init(id: String, secret: String, createdAt: Timestamp) {
        self.id = id
        self.secret = secret
        self.createdAt = createdAt
    }
}

/// A site that tried to show the chat but is not among the allowed ones.
public struct BlockedSite: Codable, Equatable, Sendable {
    public var origin: String
    public var lastSeenAt: Timestamp
    public var attempts: Int

    public init(origin: String, lastSeenAt: Timestamp, attempts: Int) {
        self.origin = origin
        self.lastSeenAt = lastSeenAt
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case origin, lastSeenAt = "last_seen_at", attempts
    }
}

/// Which contacts a search shows: a prefix of the name, e-mail or external id, most
/// recently seen first, before a `last_seen_at` when paging.
public struct ContactQuery: Equatable, Sendable {
    public var prefix: String?
    public var before: Timestamp?
    public var limit: Int

    public init(prefix: String?, before: Timestamp?, limit: Int) {
        self.prefix = prefix
        self.before = before
        self.limit = limit
    }
}

/// The reads of contacts, sessions and identity secrets, inside a transaction.
public protocol ContactReader {
    func contact(id: String) throws -> Contact?
    /// The contact with this external id and verification.
    func contact(externalId: String, verified: Bool) throws -> Contact?
    func contacts(_ query: ContactQuery) throws -> [Contact]
    /// The session whose secret has this SHA-256, revoked or not.
    func customerSession(tokenHash: [UInt8]) throws -> CustomerSession?
    /// The contact's sessions that have not ended.
    func liveCustomerSessions(contactId: String) throws -> [CustomerSession]
    /// The contact's newest conversation that is not closed.
    func openConversation(contactId: String) throws -> Conversation?
    /// Every conversation of the contact, newest first, each with its newest message.
    func conversations(contactId: String) throws -> [(Conversation, Message?)]
    /// Active identity secrets, newest first.
    func identitySecrets() throws -> [IdentitySecret]
    /// Sites refused the widget, most recent first.
    func blockedSites(limit: Int) throws -> [BlockedSite]
}

/// The writes of contacts, sessions and identity secrets.
public protocol ContactWriter {
    func insertContact(_ contact: Contact) throws
    /// Writes name, e-mail, their token flags and `last_seen_at`.
    func updateContact(_ contact: Contact) throws
    /// Moves a conversation to another contact.
    func setContact(conversationId: String, contactId: String) throws
    /// Deletes a contact with its conversations, their messages, outbox events, e-mails and
    /// stream records, and its sessions. Returns how many conversations and messages went.
    func eraseContact(id: String) throws -> (conversations: Int, messages: Int)
    /// Deletes a contact that no conversation belongs to any more.
    func deleteContactIfUnused(id: String) throws
    /// Makes an anonymous session id stop working: conversations started under it get a
    /// hash nobody holds.
    func retireSessionHash(_ hash: [UInt8]) throws
    func insertCustomerSession(_ session: CustomerSession, tokenHash: [UInt8]) throws
    func revokeCustomerSession(id: String, at: Timestamp) throws
    /// Forgets the contact's sessions that expired or were revoked before `before`.
    func deleteDeadCustomerSessions(contactId: String, before: Timestamp) throws
    func insertIdentitySecret(_ secret: IdentitySecret) throws
    /// False when there was no such secret.
    func deleteIdentitySecret(id: String) throws -> Bool
    /// Counts an attempt by `origin` (keeping the newest `keep` sites).
    func recordBlockedSite(origin: String, at: Timestamp, keep: Int) throws
}
