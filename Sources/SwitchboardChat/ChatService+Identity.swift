import SwitchboardCore

/// How a customer signs in: a token the shop's server signed, or (only when the shop
/// allows it) a bare customer id, as the replaced loan-officer system took.
public enum CustomerCredential: Sendable {
    case token(String)
    case bareId(String)
}

/// Known customers (API.md "Known customers"): sign-in with the shop's identity tokens, one
/// open conversation per contact on every device, a session per device, sign-out.
extension ChatService {
    /// Signs a customer in on one device. The contact is found or created, the anonymous
    /// session this browser had (`previousSessionId`) is carried over, and the contact's open
    /// conversation is returned (a new one, assigned to `officer` when given, if none is open).
    /// Nothing is written when the credential fails.
    public func customerLogin(_ credential: CustomerCredential, officer: String?, previousSessionId: String?) throws -> StartResult {
        let settings = try shopSettings()
        let (externalId, verified, claims) = try identify(credential, settings)
        let session = Secrets.token(prefix: "cs_")
        return try write { tx in
            if !verified, try tx.rows.contact(externalId: externalId, verified: true) != nil {
                // A bare id never reaches a verified customer's words, whatever the setting.
                throw AppError.unauthorized("This customer signs in with an identity token.", code: "identity_required")
            }
            let agent = try officer.map { try officerAgent($0, tx.rows) }
            var contact = try tx.rows.contact(externalId: externalId, verified: verified)
                ?? Contact(id: Identifiers.uuid(), externalId: externalId, verified: verified, name: nil, email: nil,
                           createdAt: tx.now, lastSeenAt: tx.now)
            let isNew = try tx.rows.contact(id: contact.id) == nil
            let before = contact
            if let name = claims?.name { contact.name = name; contact.nameFromToken = true }
            if let email = claims?.email { contact.email = email; contact.emailFromToken = true }
            contact.lastSeenAt = tx.now
            if isNew {
                try tx.rows.insertContact(contact)
                try tx.contactCreated(contact.id)
            } else {
                try tx.rows.updateContact(contact)
                try tx.contactChanged(before, contact)
            }

            if let previousSessionId { try carryOver(previousSessionId, to: contact, tx) }

            // Sessions that ended a month ago answer 403 instead of 401 from now on; nothing else needs them.
            try tx.rows.deleteDeadCustomerSessions(contactId: contact.id, before: tx.now.adding(seconds: -30 * 86400))
            let record = CustomerSession(id: Identifiers.uuid(), contactId: contact.id, createdAt: tx.now,
                                         expiresAt: tx.now.adding(seconds: policy.customerSessionTTLSeconds), revokedAt: nil)
            try tx.rows.insertCustomerSession(record, tokenHash: Secrets.sha256(session))
            var result = try openOrStart(for: contact, sessionId: session, officer: agent, settings, tx)
            result.contact = try tx.rows.contact(id: contact.id)
            return result
        }
    }

    /// Ends one device's sign-in: its id is refused from now on and its streams end.
    public func customerLogout(sessionId: String) throws {
        try write { tx in
            let session = try liveSession(sessionId, tx.rows)
            try tx.rows.revokeCustomerSession(id: session.id, at: tx.now)
            try tx.emit(.customerSessionRevoked(sessionId: session.id))
        }
    }

    /// The live sign-in behind a session id that `login` issued: 401 `invalid_session` when
    /// it never was one or has ended.
    func liveSession(_ sessionId: String, _ rows: any StoreReader) throws -> CustomerSession {
        guard let session = try rows.customerSession(tokenHash: Secrets.sha256(sessionId)), session.isLive(at: .now()) else {
            throw Self.invalidSession
        }
        return session
    }

    /// 401 unless `sessionId` is a live sign-in.
    public func checkCustomerSession(_ sessionId: String) throws {
        _ = try read { try liveSession(sessionId, $0) }
    }

    static let invalidSession = AppError.unauthorized("This chat session has ended; sign in or start again.", code: "invalid_session")

    /// The contact's open conversation with its history, or a new one for it.
    func openOrStart(for contact: Contact, sessionId: String, officer: Agent?, _ settings: Settings,
                     _ tx: Transaction) throws -> StartResult {
        if let open = try tx.rows.openConversation(contactId: contact.id) {
            let messages = try tx.rows.recentMessages(conversationId: open.id, limit: Self.messagesMaxPerStart)
            return StartResult(conversation: open, sessionId: sessionId, messages: messages, resumed: true,
                               lastEventId: try tx.rows.latestEventId(), contact: contact)
        }
        let id = Identifiers.uuid()
        let new = Conversation(id: id, status: .automated, assignedAgentId: nil, assignedAgentName: nil, hasAgentReplied: false,
                               requestedAgentAt: nil, closedAt: nil, createdAt: tx.now, updatedAt: tx.now,
                               customerDisplayName: contact.name ?? "Visitor \(id.prefix(4).uppercased())",
                               customerEmail: contact.email, contactId: contact.id)
        // Reached through the contact's sessions only: the hash is of nothing anyone holds.
        try tx.rows.insertConversation(new, sessionHash: Secrets.randomBytes(32))
        try tx.conversationCreated(id)
        var messages = [try tx.insertMessage(id, sender: .bot, kind: .text, content: settings.welcomeMessage,
                                             metadata: MessageMetadata(event: "welcome"))]
        if let officer {
            // The replaced system's officer login: straight to that agent, never the queue.
            guard try tx.rows.assignIfFree(conversationId: id, agentId: officer.id, at: tx.now) else {
                throw AppError.conflict("Another agent has already claimed this conversation.", code: "already_claimed")
            }
            messages.append(try tx.systemMessage(id, BotText.assigned(officer.displayName), event: "assigned", agentId: officer.id))
            try tx.emit(.agentAssigned(conversationId: id, agent: AssignedAgent(id: officer.id, displayName: officer.displayName)))
        }
        let conversation = try tx.conversation(id)
        try tx.emit(.conversationUpdated(conversation))
        return StartResult(conversation: conversation, sessionId: sessionId, messages: messages, resumed: false,
                           lastEventId: try tx.rows.latestEventId(), contact: contact)
    }

    /// Anonymous → known: the open conversation of the anonymous session this browser had
    /// goes to the contact (closed, as a past one, when the contact already has one open),
    /// and that session id stops working (a revoked session row remembers it, so it is a 401,
    /// not a 403). A sign-in's session id (another customer's, on a shared browser) is left
    /// alone: nothing of one contact moves to another.
    private func carryOver(_ previousSessionId: String, to contact: Contact, _ tx: Transaction) throws {
        let hash = Secrets.sha256(previousSessionId)
        guard try tx.rows.customerSession(tokenHash: hash) == nil,
              let anonymous = try tx.rows.openConversation(sessionHash: hash) else { return }
        let contactOpen = try tx.rows.openConversation(contactId: contact.id)
        try tx.rows.setContact(conversationId: anonymous.id, contactId: contact.id)
        // Whatever webhooks said of the visitor is now about the contact (erased with it).
        try tx.rows.moveDeliveries(fromContact: anonymous.contactId, toContact: contact.id)
        try tx.rows.deleteContactIfUnused(id: anonymous.contactId)
        try tx.rows.retireSessionHash(hash)
        try tx.rows.insertCustomerSession(CustomerSession(id: Identifiers.uuid(), contactId: contact.id, createdAt: tx.now,
                                                          expiresAt: tx.now, revokedAt: tx.now), tokenHash: hash)
        if contactOpen != nil {
            try closeOnSignIn(anonymous, BotText.merged, event: "merged", tx)
        } else {
            try tx.emit(.conversationUpdated(try tx.conversation(anonymous.id)))
        }
    }

    /// Closes a customer's conversation for a sign-in rule (one open conversation per
    /// contact), whatever its state: the system message, `chat.closed`, the transcript if asked.
    func closeOnSignIn(_ conversation: Conversation, _ text: String, event: String, _ tx: Transaction) throws {
        try tx.rows.setClosed(conversationId: conversation.id, at: tx.now)
        _ = try tx.systemMessage(conversation.id, text, event: event)
        try tx.emit(.chatClosed(conversationId: conversation.id, closedAt: tx.now, canRate: conversation.hasAgentReplied))
        let closed = try tx.conversation(conversation.id)
        if closed.transcriptRequested { try queueTranscriptMail(closed, tx) }
        try tx.emit(.conversationUpdated(closed))
    }

    /// A name or e-mail the customer gave (a form) reaches their contact too, except a
    /// member an identity token set.
    func updateContactDetails(_ contactId: String, name: String?, email: String?, _ tx: Transaction) throws {
        guard var contact = try tx.rows.contact(id: contactId) else { return }
        let before = contact
        if let name, !contact.nameFromToken { contact.name = name }
        if let email, !contact.emailFromToken { contact.email = email }
        contact.lastSeenAt = tx.now
        try tx.rows.updateContact(contact)
        try tx.contactChanged(before, contact)
    }

    /// The external id, whether it is verified, and the token's claims; 401 with the reason
    /// when the credential is refused.
    private func identify(_ credential: CustomerCredential, _ settings: Settings) throws
        -> (externalId: String, verified: Bool, claims: IdentityClaims?) {
        switch credential {
        case .bareId(let id):
            guard settings.identity.allowUnverifiedIds else {
                throw AppError.unauthorized("This shop signs customers in with an identity token (identity_token).",
                                            code: "identity_required")
            }
            let trimmed = id.trimmingSpaces
            guard IdentityToken.subjectLength.contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw AppError.badRequest("customer_id: 1 to \(IdentityToken.subjectLength.upperBound) characters.", code: "invalid_customer_id")
            }
            return (trimmed, false, nil)
        case .token(let token):
            let secrets = try read { try $0.identitySecrets() }.map { IdentityToken.Secret(id: $0.id, key: Array($0.secret.utf8)) }
            let claims: IdentityClaims
            do {
                claims = try IdentityToken.verify(token, secrets: secrets, now: Timestamp.now().milliseconds / 1000)
            } catch {
                throw AppError(status: 401, code: "invalid_identity", detail: error.detail, reason: error.reason.rawValue)
            }
            if let name = claims.name, (try? Validate.displayName(name)) == nil {
                throw AppError(status: 401, code: "invalid_identity", detail: "The token's name claim is not a usable name.",
                               reason: IdentityTokenError.Reason.malformed.rawValue)
            }
            if let email = claims.email, !Validate.isEmail(email) {
                throw AppError(status: 401, code: "invalid_identity", detail: "The token's email claim is not an e-mail address.",
                               reason: IdentityTokenError.Reason.malformed.rawValue)
            }
            return (claims.subject, true, IdentityClaims(subject: claims.subject, issuedAt: claims.issuedAt, expiresAt: claims.expiresAt,
                                                         name: try claims.name.map(Validate.displayName), email: claims.email,
                                                         keyId: claims.keyId))
        }
    }

    /// The agent an `officer_id` names (id or username): 404 `agent_not_found` unless enabled.
    private func officerAgent(_ idOrUsername: String, _ rows: any StoreReader) throws -> Agent {
        guard let agent = try rows.agent(id: idOrUsername) ?? rows.agent(username: idOrUsername), !agent.disabled, !agent.integration else {
            throw AppError.notFound("No agent \(String(idOrUsername.prefix(64))) takes chats here.", code: "agent_not_found")
        }
        return agent
    }
}
