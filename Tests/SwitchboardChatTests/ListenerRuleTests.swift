import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Who may open an event stream (`ChatService.listener`): the check the notifier runs for
/// every stream, with the routes' own token and session rules. On both engines.
struct ListenerRuleTests {
    func login(_ desk: Desk, _ agent: Agent) throws -> String {
        try #require(try desk.service.login(username: agent.username, password: "correct horse battery")).token
    }

    @Test(arguments: Engine.allCases) func agentsByTokenAndCustomersByTheirConversation(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let agent = try desk.agent()
        let token = try login(desk, agent)
        let (chat, session) = try desk.start()
        let latest = try desk.service.latestEventId()
        #expect(try desk.service.listener(StreamCredentials(authorization: "Bearer \(token)"))
                == StreamGrant(identity: .agent(agentId: agent.id), asOfEventId: latest))
        // The scheme is case-insensitive and the filter narrows nothing for an agent.
        #expect(try desk.service.listener(StreamCredentials(authorization: "bearer \(token)", conversationId: chat.id)).identity
                == .agent(agentId: agent.id))
        #expect(try desk.service.listener(StreamCredentials(customerSessionId: session, conversationId: chat.id))
                == StreamGrant(identity: .customer(conversationId: chat.id, sessionId: nil), asOfEventId: latest))
        // An API key acts through its integration's agent row.
        let key = try desk.service.createApiKey(ApiKeyInput(name: "Orders", role: .agent), by: .cli)
        guard case .agent(let integration) = try desk.service.listener(StreamCredentials(authorization: "Bearer \(key.key)")).identity else {
            Issue.record("an API key's stream is an agent stream")
            return
        }
        #expect(integration != agent.id)
    }

    @Test(arguments: Engine.allCases) func whatTheRoutesRefuseTheStreamRefuses(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let agent = try desk.agent()
        let (mine, session) = try desk.start()
        let (theirs, _) = try desk.start()
        refused("missing_credentials") { _ = try desk.service.listener(StreamCredentials()) }
        refused("missing_token") { _ = try desk.service.listener(StreamCredentials(authorization: "")) }
        refused("invalid_token") { _ = try desk.service.listener(StreamCredentials(authorization: "Basic \(try login(desk, agent))")) }
        refused("invalid_token") { _ = try desk.service.listener(StreamCredentials(authorization: "Bearer never-issued")) }
        refused("invalid_token") {
            _ = try desk.service.listener(StreamCredentials(authorization: "Bearer " + String(repeating: "x", count: 300)))
        }
        refused("missing_conversation") { _ = try desk.service.listener(StreamCredentials(customerSessionId: session)) }
        refused("not_your_conversation") {
            _ = try desk.service.listener(StreamCredentials(customerSessionId: session, conversationId: theirs.id))
        }
        refused("not_your_conversation") {
            _ = try desk.service.listener(StreamCredentials(customerSessionId: "never-issued", conversationId: mine.id))
        }
        // An unknown conversation is a 403 like any other that is not the caller's, never a 404.
        do {
            _ = try desk.service.listener(StreamCredentials(customerSessionId: session, conversationId: "no-such-conversation"))
            Issue.record("an unknown conversation was granted")
        } catch let error as AppError {
            #expect(error.status == 403 && error.code == "conversation_not_found")
        }
    }

    /// Logout, disabling and revoking a key take effect on the very next stream, and the
    /// check reads the database each time: a service that holds the token in its cache
    /// still refuses the stream (another process revoked it a moment ago).
    @Test(arguments: Engine.allCases) func revokedCredentialsAreRefusedAtOnceWhateverACacheHolds(_ engine: Engine) throws {
        let clock = ManualClock()
        let desk = try Desk(engine, cacheClock: clock.cacheClock)
        let elsewhere = ChatService(store: desk.service.store, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        let agent = try desk.agent()
        let loggedOut = try login(desk, agent)
        let disabled = try desk.agent()
        let disabledToken = try login(desk, disabled)
        let key = try desk.service.createApiKey(ApiKeyInput(name: "Old CRM", role: .admin), by: .cli)
        for token in [loggedOut, disabledToken, key.key] {
            #expect(throws: Never.self) { try desk.service.listener(StreamCredentials(authorization: "Bearer \(token)")) }
        }
        // Cached now. Twice round: the first round records when each agent was last seen,
        // an accounts write that empties this process's cache; the second finds them fresh.
        for _ in 0..<2 {
            for token in [loggedOut, disabledToken, key.key] { #expect(try desk.service.authenticate(token: token) != nil) }
        }
        try elsewhere.revoke(token: loggedOut, of: agent)
        _ = try elsewhere.updateAgent(id: disabled.id, AgentPatch(disabled: true), by: .cli)
        try elsewhere.revokeApiKey(id: key.apiKey.id, by: .cli)
        for token in [loggedOut, disabledToken, key.key] {
            #expect(try desk.service.authenticate(token: token) != nil, "the cache is still within its second")
            refused("invalid_token") { _ = try desk.service.listener(StreamCredentials(authorization: "Bearer \(token)")) }
        }
    }

    @Test(arguments: Engine.allCases) func aSignedInCustomersStreamEndsWithItsSession(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let secret = try desk.service.createIdentitySecret(by: .cli)
        let token = IdentityToken.sign(subject: "customer-1", name: nil, email: nil, issuedAt: Int64(Date().timeIntervalSince1970),
                                       lifetimeSeconds: 3600, secret: IdentityToken.Secret(id: secret.id, key: Array(secret.secret.utf8)))
        let laptop = try desk.service.customerLogin(.token(token), officer: nil, previousSessionId: nil)
        let phone = try desk.service.customerLogin(.token(token), officer: nil, previousSessionId: nil)
        let credentials = { (session: String) in StreamCredentials(customerSessionId: session, conversationId: laptop.conversation.id) }
        let grant = try desk.service.listener(credentials(laptop.sessionId))
        #expect(grant.identity.sessionId != nil && grant.identity.conversationId == laptop.conversation.id)
        try desk.service.customerLogout(sessionId: laptop.sessionId)
        refused("invalid_session") { _ = try desk.service.listener(credentials(laptop.sessionId)) }
        // The other device keeps its stream.
        #expect(try desk.service.listener(credentials(phone.sessionId)).identity.conversationId == laptop.conversation.id)
    }
}
