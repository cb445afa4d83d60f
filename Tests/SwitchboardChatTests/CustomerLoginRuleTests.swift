import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Known customers: signing in with the shop's identity token, one open conversation per
/// contact on every device, the replaced system's officer login, anonymous → known, bare
/// ids kept away from verified customers, logout, and erasure. On both engines.
struct CustomerLoginRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")

    /// A desk with one identity secret, and a token signer for it.
    func desk(_ engine: Engine, routing: RoutingMode = .manual,
              policy: ChatPolicy = ChatPolicy()) throws -> (Desk, (String, String?) -> String) {
        let desk = try Desk(engine, routing: routing, policy: policy)
        let secret = try desk.service.createIdentitySecret(by: Self.admin)
        let sign = { (sub: String, name: String?) in
            IdentityToken.sign(subject: sub, name: name, email: nil, issuedAt: Int64(Date().timeIntervalSince1970), lifetimeSeconds: 3600,
                               secret: IdentityToken.Secret(id: secret.id, key: Array(secret.secret.utf8)))
        }
        return (desk, sign)
    }

    func login(_ desk: Desk, _ token: String, officer: String? = nil, previous: String? = nil) throws -> StartResult {
        try desk.service.customerLogin(.token(token), officer: officer, previousSessionId: previous)
    }

    @Test(arguments: Engine.allCases) func theSameCustomerHasOneConversationOnEveryDevice(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let laptop = try login(desk, sign("customer-1", "Jamie Rivera"))
        #expect(!laptop.resumed)
        #expect(laptop.contact?.externalId == "customer-1" && laptop.contact?.verified == true && laptop.contact?.name == "Jamie Rivera")
        _ = try desk.service.customerSend(laptop.conversation.id, sessionId: laptop.sessionId, content: "Where is order 1234?",
                                          quickReply: nil, clientMessageId: nil)
        let phone = try login(desk, sign("customer-1", nil))
        #expect(phone.resumed)
        #expect(phone.conversation.id == laptop.conversation.id)
        #expect(phone.sessionId != laptop.sessionId)
        #expect(phone.messages.contains { $0.content == "Where is order 1234?" })
        // Each device's session reaches it; the name a token set stays when the next one has none.
        #expect(try desk.service.conversation(laptop.conversation.id, access: .customer(sessionId: phone.sessionId)).id == laptop.conversation.id)
        #expect(phone.contact?.name == "Jamie Rivera")
        // `start` with a signed-in session resumes the contact's conversation.
        let resumed = try desk.service.start(sessionId: phone.sessionId, forceNew: false, displayName: nil, email: nil)
        #expect(resumed.conversation.id == laptop.conversation.id && resumed.resumed)
    }

    @Test(arguments: Engine.allCases) func oneCustomersSessionNeverReachesAnothersConversation(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let jamie = try login(desk, sign("customer-1", nil))
        let sam = try login(desk, sign("customer-2", nil))
        #expect(jamie.conversation.id != sam.conversation.id)
        #expect(throws: AppError.self) { try desk.service.conversation(sam.conversation.id, access: .customer(sessionId: jamie.sessionId)) }
        #expect(throws: AppError.self) {
            try desk.service.customerSend(sam.conversation.id, sessionId: jamie.sessionId, content: "hi", quickReply: nil, clientMessageId: nil)
        }
        // An anonymous visitor's session neither.
        let (_, anonymous) = try desk.start()
        #expect(throws: AppError.self) { try desk.service.conversation(jamie.conversation.id, access: .customer(sessionId: anonymous)) }
    }

    @Test(arguments: Engine.allCases) func anOfficerIdAssignsANewConversationStraightToThatAgent(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let officer = try desk.agent("officer-kim")
        let cursor = try desk.service.latestEventId()
        let first = try login(desk, sign("customer-1", nil), officer: "officer-kim")
        #expect(first.conversation.status == .agent && first.conversation.assignedAgentId == officer.id)
        let names = try desk.eventNames(after: cursor)
        #expect(names.contains("agent.assigned"))
        #expect(!names.contains("queue.chat_created") && !names.contains("queue.chat_claimed"))
        // By id too; an open conversation ignores it.
        let other = try desk.agent("officer-lee")
        let again = try login(desk, sign("customer-1", nil), officer: other.id)
        #expect(again.conversation.id == first.conversation.id && again.conversation.assignedAgentId == officer.id)
        // Unknown or disabled: 404, nothing written.
        #expect(throws: AppError.notFound("No agent nobody takes chats here.", code: "agent_not_found")) {
            try login(desk, sign("customer-9", nil), officer: "nobody")
        }
        _ = try desk.service.updateAgent(id: other.id, AgentPatch(disabled: true), by: Self.admin)
        #expect(throws: AppError.self) { try login(desk, sign("customer-8", nil), officer: other.id) }
        #expect(try desk.service.contacts(externalId: "customer-8").isEmpty)
    }

    @Test(arguments: Engine.allCases) func anAnonymousChatFollowsTheCustomerWhoSignsIn(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let (chat, anonymous) = try desk.start(email: nil)
        _ = try desk.service.customerSend(chat.id, sessionId: anonymous, content: "before signing in", quickReply: nil, clientMessageId: nil)
        let known = try login(desk, sign("customer-1", nil), previous: anonymous)
        #expect(known.conversation.id == chat.id)
        #expect(known.messages.contains { $0.content == "before signing in" })
        // The anonymous session id stops working: 401, not 403.
        #expect(throws: AppError.unauthorized("This chat session has ended; sign in or start again.", code: "invalid_session")) {
            try desk.service.conversation(chat.id, access: .customer(sessionId: anonymous))
        }
        // A second anonymous chat, when the contact already has one open: closed, kept as a past one.
        let (other, second) = try desk.start(email: nil)
        let again = try login(desk, sign("customer-1", nil), previous: second)
        #expect(again.conversation.id == chat.id)
        let detail = try desk.service.contactDetail(try #require(again.contact?.id))
        let past = try #require(detail.conversations.first { $0.id == other.id })
        #expect(past.conversation.status == .closed)
        #expect(try desk.service.messages(other.id, access: .customer(sessionId: again.sessionId), after: nil, limit: 50)
            .messages.last?.metadata?.event == "merged")
    }

    @Test(arguments: Engine.allCases) func bareIdsNeedTheSettingAndNeverReachAVerifiedCustomer(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let refused = AppError.unauthorized("This shop signs customers in with an identity token (identity_token).", code: "identity_required")
        #expect(throws: refused) { try desk.service.customerLogin(.bareId("loan-77"), officer: nil, previousSessionId: nil) }
        _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: #"{"identity":{"allow_unverified_ids":true}}"#),
                                            by: Self.admin)
        let bare = try desk.service.customerLogin(.bareId("loan-77"), officer: nil, previousSessionId: nil)
        #expect(bare.contact?.verified == false && bare.contact?.externalId == "loan-77")
        _ = try login(desk, sign("customer-1", nil))
        #expect(throws: AppError.unauthorized("This customer signs in with an identity token.", code: "identity_required")) {
            try desk.service.customerLogin(.bareId("customer-1"), officer: nil, previousSessionId: nil)
        }
        // A token for the bare id's number is another (verified) contact, which the bare session cannot reach.
        let verified = try login(desk, sign("loan-77", nil))
        #expect(verified.contact?.id != bare.contact?.id && verified.conversation.id != bare.conversation.id)
        #expect(throws: AppError.self) { try desk.service.conversation(verified.conversation.id, access: .customer(sessionId: bare.sessionId)) }
    }

    @Test(arguments: Engine.allCases) func rotationKeepsBothSecretsWorkingUntilOneIsDeleted(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let newer = try desk.service.createIdentitySecret(by: Self.admin)
        #expect(throws: AppError.self) { try desk.service.createIdentitySecret(by: Self.admin) }  // two at most
        let signNewer = { (sub: String) in
            IdentityToken.sign(subject: sub, name: nil, email: nil, issuedAt: Int64(Date().timeIntervalSince1970), lifetimeSeconds: 60,
                               secret: IdentityToken.Secret(id: newer.id, key: Array(newer.secret.utf8)))
        }
        _ = try login(desk, sign("customer-1", nil))
        _ = try login(desk, signNewer("customer-1"))
        let older = try #require(try desk.service.identitySecrets().first { $0.id != newer.id })
        try desk.service.deleteIdentitySecret(older.id, by: Self.admin)
        do {
            _ = try login(desk, sign("customer-1", nil))
            Issue.record("a token of a deleted secret signed in")
        } catch let error as AppError {
            #expect(error.code == "invalid_identity" && error.reason == "unknown_key")
        }
        _ = try login(desk, signNewer("customer-1"))
    }

    @Test(arguments: Engine.allCases) func logoutEndsOneDeviceOnly(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let laptop = try login(desk, sign("customer-1", nil))
        let phone = try login(desk, sign("customer-1", nil))
        let cursor = try desk.service.latestEventId()
        try desk.service.customerLogout(sessionId: laptop.sessionId)
        #expect(try desk.eventNames(after: cursor) == ["customer.session_revoked"])
        #expect(throws: AppError.self) { try desk.service.conversation(laptop.conversation.id, access: .customer(sessionId: laptop.sessionId)) }
        #expect(throws: AppError.self) { try desk.service.start(sessionId: laptop.sessionId, forceNew: false, displayName: nil, email: nil) }
        #expect(throws: AppError.self) { try desk.service.customerLogout(sessionId: laptop.sessionId) }
        #expect(try desk.service.conversation(phone.conversation.id, access: .customer(sessionId: phone.sessionId)).id == phone.conversation.id)
        #expect(try desk.service.listener(StreamCredentials(customerSessionId: phone.sessionId, conversationId: phone.conversation.id)).identity.sessionId != nil)
    }

    /// A sign-in is never a permanent login: past its lifetime the session is refused like a
    /// logged-out one, and a fresh token signs the device in again.
    @Test(arguments: Engine.allCases) func aSessionEndsWithItsLifetime(_ engine: Engine) throws {
        var policy = ChatPolicy()
        policy.customerSessionTTLSeconds = 0
        let (desk, sign) = try desk(engine, policy: policy)
        let expired = try login(desk, sign("customer-1", nil))
        let invalid = AppError.unauthorized("This chat session has ended; sign in or start again.", code: "invalid_session")
        #expect(throws: invalid) { try desk.service.conversation(expired.conversation.id, access: .customer(sessionId: expired.sessionId)) }
        #expect(throws: invalid) { try desk.service.start(sessionId: expired.sessionId, forceNew: false, displayName: nil, email: nil) }
        #expect(throws: invalid) { try desk.service.checkCustomerSession(expired.sessionId) }
        #expect(try login(desk, sign("customer-1", nil)).conversation.id == expired.conversation.id)
    }

    @Test(arguments: Engine.allCases) func erasingAContactLeavesNothingOfItButAnAuditLineWithoutPersonalData(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        let jamie = try login(desk, sign("customer-1", "Jamie Rivera"))
        _ = try desk.service.customerSend(jamie.conversation.id, sessionId: jamie.sessionId, content: "my secret phrase zebra-42",
                                          quickReply: nil, clientMessageId: nil)
        let contact = try #require(jamie.contact)
        let exported = try desk.service.exportContact(contact.id)
        #expect(exported.conversations.first?.messages.contains { $0.content.contains("zebra-42") } == true)
        // An agent may correct nothing a token set.
        #expect(throws: AppError.self) { try desk.service.updateContact(contact.id, name: "Someone Else", email: nil, by: Self.admin) }
        try desk.service.eraseContact(contact.id, by: Self.admin)
        #expect(throws: AppError.self) { try desk.service.exportContact(contact.id) }
        #expect(try desk.service.contacts(ContactQuery(prefix: "Jamie", before: nil, limit: 10)).isEmpty)
        #expect(throws: AppError.self) { try desk.service.conversation(jamie.conversation.id, access: .customer(sessionId: jamie.sessionId)) }
        let events = try desk.log.events(after: 0, conversationId: nil, limit: 1000)
        #expect(!events.contains { $0.conversationId == jamie.conversation.id || $0.data.contains("zebra-42") })
        let audit = try #require(try desk.service.audit(limit: 1, beforeId: nil).first)
        #expect(audit.action == "contact.erased")
        let line = try WireJSON.string(audit)
        #expect(!line.contains("Jamie") && !line.contains("customer-1") && !line.contains("zebra"))
    }

    @Test(arguments: Engine.allCases) func contactsAreFoundByTheStartOfANameEmailOrId(_ engine: Engine) throws {
        let (desk, sign) = try desk(engine)
        _ = try login(desk, sign("customer-1", "Jamie Rivera"))
        _ = try login(desk, sign("cust_2%", "Sam Okafor"))
        _ = try desk.start(email: "robin@example.com")
        func names(_ q: String) throws -> [String] {
            try desk.service.contacts(ContactQuery(prefix: q, before: nil, limit: 10)).map { $0.externalId ?? $0.email ?? "?" }.sorted()
        }
        #expect(try names("jam") == ["customer-1"])
        #expect(try names("cust") == ["cust_2%", "customer-1"])
        #expect(try names("cust_") == ["cust_2%"])  // `_` is no wildcard
        #expect(try names("ROBIN") == ["robin@example.com"])
        #expect(try names("rivera").isEmpty)  // the start, not the middle
        #expect(try desk.service.contacts(ContactQuery(prefix: nil, before: nil, limit: 2)).count == 2)
    }
}
