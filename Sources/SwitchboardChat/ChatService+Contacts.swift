import SwitchboardCore

/// A contact with its conversations, newest first (an agent's view of a customer).
public struct ContactDetail: Sendable {
    public let contact: Contact
    public let conversations: [AgentConversation]
}

/// Everything the desk holds about one contact (API.md "Export and erasure").
public struct ContactExport: Encodable, Sendable {
    public struct Thread: Encodable, Sendable {
        public let conversation: AgentConversation
        public let messages: [Message]
    }

    public let exportedAt: Timestamp
    public let contact: Contact
    public let conversations: [Thread]

    enum CodingKeys: String, CodingKey { case exportedAt = "exported_at", contact, conversations }
}

/// An identity secret as listed: never the secret itself.
public struct IdentitySecretInfo: Codable, Equatable, Sendable {
    public let id: String
    public let last4: String
    public let createdAt: Timestamp

    enum CodingKeys: String, CodingKey { case id, last4, createdAt = "created_at" }
}

/// Contacts for agents, export and erasure, identity secrets and the sites that may show the chat.
extension ChatService {
    // MARK: Contacts

    public func contacts(_ query: ContactQuery) throws -> [Contact] {
        try read { try $0.contacts(query) }
    }

    public func contactDetail(_ id: String) throws -> ContactDetail {
        try read { rows in
            let contact = try Self.contact(id, rows)
            return ContactDetail(contact: contact,
                                 conversations: try Self.summaries(try rows.conversations(contactId: id), rows))
        }
    }

    /// An agent corrects a contact's name or e-mail; a member an identity token set is the
    /// shop's word and stays (409 `verified_field`). `nil` leaves a member as it is.
    public func updateContact(_ id: String, name: String?, email: String?, by actor: AuditEntry.Actor) throws -> Contact {
        try write { tx in
            var contact = try Self.contact(id, tx.rows)
            let before = contact
            var changed: [String: String] = [:]
            if let name {
                guard !contact.nameFromToken else { throw Self.verifiedField("name") }
                if contact.name != name { changed["name"] = "changed" }
                contact.name = name
            }
            if let email {
                guard !contact.emailFromToken else { throw Self.verifiedField("email") }
                if contact.email != email { changed["email"] = "changed" }
                contact.email = email
            }
            guard !changed.isEmpty else { return contact }
            try tx.rows.updateContact(contact)
            try tx.contactChanged(before, contact)
            // The audit says what changed, not to what: it must hold no personal data once
            // the contact is erased.
            try tx.audit(actor, "contact.updated", id, changed)
            return try Self.contact(id, tx.rows)
        }
    }

    private static func verifiedField(_ member: String) -> AppError {
        AppError.conflict("The \(member) came from the shop's signed identity token; change it in the shop's own records.",
                          code: "verified_field")
    }

    static func contact(_ id: String, _ rows: any StoreReader) throws -> Contact {
        guard let contact = try rows.contact(id: id) else { throw AppError.notFound("Contact not found.", code: "contact_not_found") }
        return contact
    }

    /// One document with the contact and every conversation and message.
    public func exportContact(_ id: String, at now: Timestamp = .now()) throws -> ContactExport {
        try read { rows in
            let contact = try Self.contact(id, rows)
            let threads = try Self.summaries(try rows.conversations(contactId: id), rows).map { view in
                ContactExport.Thread(conversation: view,
                                     messages: try rows.messages(conversationId: view.id, afterSeq: 0, limit: .max))
            }
            return ContactExport(exportedAt: now, contact: contact, conversations: threads)
        }
    }

    /// Erases a contact: its conversations, messages, their outbox events and e-mails, its
    /// sessions (their streams end). The audit keeps the contact's id and counts only. Then
    /// the store scrubs its files (SQLite: `secure_delete` zeroed the rows; the WAL is emptied).
    public func eraseContact(_ id: String, by actor: AuditEntry.Actor) throws {
        let hashes = try write { tx in
            _ = try Self.contact(id, tx.rows)
            let hashes = try tx.rows.fileHashes(contactId: id)
            for session in try tx.rows.liveCustomerSessions(contactId: id) {
                try tx.emit(.customerSessionRevoked(sessionId: session.id))
            }
            let (conversations, messages) = try tx.rows.eraseContact(id: id)
            try tx.audit(actor, "contact.erased", id, ["conversations": String(conversations), "messages": String(messages)])
            return hashes
        }
        try store.scrub()
        // Their files go now (one another conversation still uses stays).
        if let files {
            // (A file written this minute is the same content uploaded again: the sweep takes it later if unused.)
            for hash in hashes where try !read({ try $0.fileInUse(sha256: hash) }) { try files.remove(sha256: hash, olderThan: 60) }
        }
    }

    /// Every contact with this external id (a verified and an unverified one may share it).
    public func contacts(externalId: String) throws -> [Contact] {
        try read { rows in try [true, false].compactMap { try rows.contact(externalId: externalId, verified: $0) } }
    }

    // MARK: Identity secrets

    /// At most this many at once: the one in use and the next (rotation without downtime).
    public static let identitySecretsMax = 2

    public func identitySecrets() throws -> [IdentitySecretInfo] {
        try read { try $0.identitySecrets() }.map { IdentitySecretInfo(id: $0.id, last4: String($0.secret.suffix(4)), createdAt: $0.createdAt) }
    }

    /// A new secret (256 random bits), returned this once.
    public func createIdentitySecret(by actor: AuditEntry.Actor) throws -> IdentitySecret {
        try write { tx in
            guard try tx.rows.identitySecrets().count < Self.identitySecretsMax else {
                throw AppError.conflict("There are already \(Self.identitySecretsMax) secrets; delete the one your server no longer uses first.",
                                        code: "secret_limit")
            }
            let secret = IdentitySecret(id: Identifiers.uuid(),
                                        secret: Secrets.token(prefix: "sbid_"), createdAt: tx.now)
            try tx.rows.insertIdentitySecret(secret)
            try tx.audit(actor, "identity_secret.created", secret.id)
            return secret
        }
    }

    public func deleteIdentitySecret(_ id: String, by actor: AuditEntry.Actor) throws {
        try write { tx in
            guard try tx.rows.deleteIdentitySecret(id: id) else {
                throw AppError.notFound("No identity secret \(String(id.prefix(64))).", code: "secret_not_found")
            }
            try tx.audit(actor, "identity_secret.deleted", id)
        }
    }

    /// The newest secret (the CLI signs tokens with it).
    public func newestIdentitySecret() throws -> IdentitySecret? {
        try read { try $0.identitySecrets().first }
    }

    // MARK: Sites that may show the chat

    /// How many refused sites are remembered.
    public static let blockedSitesKept = 50

    /// The widget page's `frame-ancestors` for a frame load whose `Referer` is `referer`
    /// (the embedding page, as the browser sent it). A site not allowed is written down (at
    /// most once a minute per site) so an admin sees a forgotten domain.
    public func frameAncestors(referer: String?, ownOrigin: String?) throws -> [String] {
        let allowed = try shopSettings().widget.allowedOrigins ?? policy.widgetOrigins
        if let referer, let origin = WidgetOrigins.origin(ofURL: referer), origin != ownOrigin,
           !WidgetOrigins.allows(allowed, origin), caches.blockedSites.isDue(origin) {
            try write { tx in try tx.rows.recordBlockedSite(origin: origin, at: tx.now, keep: Self.blockedSitesKept) }
        }
        return allowed
    }

    public func blockedSites() throws -> [BlockedSite] {
        try read { try $0.blockedSites(limit: Self.blockedSitesKept) }
    }
}
