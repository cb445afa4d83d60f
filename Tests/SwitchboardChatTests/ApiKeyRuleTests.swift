import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// API keys as rules (API.md "API keys"): a key acts as a named integration, never as a
/// person, and is gone the moment it is revoked. On every engine.
struct ApiKeyRuleTests {
    static func key(_ desk: Desk, _ name: String = "Order system", role: AgentRole = .agent) throws -> (CreatedApiKey, Agent) {
        let created = try desk.service.createApiKey(ApiKeyInput(name: name, role: role), by: .cli)
        return (created, try #require(try desk.service.authenticate(token: created.key)))
    }

    @Test(arguments: Engine.allCases)
    func aKeyIsShownOnceStoredHashedAndActsAsANamedIntegration(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (created, integration) = try Self.key(desk)
        #expect(created.key.hasPrefix("sbk_") && created.key.count == 47)
        #expect(created.apiKey.prefix == String(created.key.prefix(12)))
        #expect(integration.integration && integration.displayName == "Order system" && integration.role == .agent)
        #expect(integration.id == created.apiKey.id)
        let listed = String(decoding: try WireJSON.encode(try desk.service.apiKeys()), as: UTF8.self)
        #expect(!listed.contains(created.key) && listed.contains(created.apiKey.prefix))
        // Not a member of the team, never online, no password.
        #expect(!(try desk.service.team()).contains { $0.agent.id == integration.id })
        refused("person_required") { _ = try desk.service.setPresence(agentId: integration.id, .online) }
        #expect(try desk.service.login(username: integration.username, password: created.key) == nil)
        refused("name_taken") { _ = try desk.service.createApiKey(ApiKeyInput(name: "order SYSTEM", role: .admin), by: .cli) }
    }

    @Test(arguments: Engine.allCases)
    func itsMessagesNeitherTakeTheChatNorCountAsAnAnswer(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (_, integration) = try Self.key(desk)
        let (queued, session) = try desk.queued()
        try desk.say(queued, session, "hello? anyone?")
        let (view, message) = try desk.service.agentSend(queued.id, by: integration, content: "Your order shipped", clientMessageId: nil)
        #expect(view.conversation.assignedAgentId == nil && view.conversation.status == .agent)
        // The customer still waits for a person.
        #expect(view.awaitingReply && view.waitingSince != nil)
        #expect(!view.conversation.hasAgentReplied)
        #expect(message.sender.integration == "Order system" && message.sender.type == .agent && message.metadata?.integration == "Order system")
        let encoded = String(decoding: try WireJSON.encode(message), as: UTF8.self)
        #expect(encoded.contains(#""sender":{"type":"agent","agent_id":"\#(integration.id)","integration":"Order system"}"#))
        #expect(try desk.queueIds().contains(queued.id))
        refused("person_required") { _ = try desk.service.claim(queued.id, by: integration) }
        // A chat a person holds: the shop may add to it; it stays theirs.
        let person = try desk.agent()
        _ = try desk.service.claim(queued.id, by: person)
        let (held, _) = try desk.service.agentSend(queued.id, by: integration, content: "Tracking: 123", clientMessageId: nil)
        #expect(held.conversation.assignedAgentId == person.id)
        // Nobody transfers a chat to it.
        refused("person_required") { _ = try desk.service.transfer(queued.id, by: person, to: .agent(integration.id), note: nil, force: false) }
    }

    @Test(arguments: Engine.allCases)
    func revokingEndsTheKeyAtOnceAndItsStreams(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (created, integration) = try Self.key(desk, role: .admin)
        let cursor = try desk.service.latestEventId()
        try desk.service.revokeApiKey(id: created.apiKey.id, by: .cli)
        #expect(try desk.service.authenticate(token: created.key) == nil)
        #expect(try desk.eventNames(after: cursor).contains("agent.session_revoked"))
        #expect(try desk.service.apiKeys().first { $0.id == created.apiKey.id }?.revokedAt != nil)
        // Again: nothing more happens; an unknown id is a 404.
        try desk.service.revokeApiKey(id: created.apiKey.id, by: .cli)
        refused("api_key_not_found") { try desk.service.revokeApiKey(id: "nope", by: .cli) }
        // An admin key never counted as an admin: the last person stays protected.
        #expect(integration.role == .admin)
        let audit = try desk.service.audit(limit: 10, beforeId: nil).map(\.action)
        #expect(audit.contains("api_key.created") && audit.contains("api_key.revoked"))
    }

    @Test(arguments: Engine.allCases)
    func theShopOpensAConversationForItsCustomerOnce(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (_, integration) = try Self.key(desk)
        let opened = try desk.service.openConversation(
            OpenConversationInput(externalId: "4711", name: "Ada Lovelace", email: "ada@example.com", content: "Your order 1234 has shipped."),
            by: integration)
        #expect(opened.created && opened.conversation.conversation.status == .automated)
        #expect(opened.conversation.contact?.externalId == "4711" && opened.conversation.contact?.verified == true)
        #expect(opened.message?.sender.integration == "Order system")
        // One open conversation per contact: the second call adds to it.
        let again = try desk.service.openConversation(OpenConversationInput(externalId: "4711", content: "It arrives Thursday."),
                                                      by: integration)
        #expect(!again.created && again.conversation.id == opened.conversation.id)
        // By contact id, too; and the customer finds it when they sign in with that id.
        let contactId = try #require(opened.conversation.contact?.id)
        let byId = try desk.service.openConversation(OpenConversationInput(contactId: contactId), by: integration)
        #expect(byId.conversation.id == opened.conversation.id && byId.message == nil)
        refused("invalid_contact") { _ = try desk.service.openConversation(OpenConversationInput(), by: integration) }
        refused("invalid_contact") {
            _ = try desk.service.openConversation(OpenConversationInput(contactId: contactId, externalId: "4711"), by: integration)
        }
        refused("contact_not_found") { _ = try desk.service.openConversation(OpenConversationInput(contactId: "nope"), by: integration) }
        // A person who opens one with words holds it, as a reply does.
        let person = try desk.agent()
        let theirs = try desk.service.openConversation(OpenConversationInput(externalId: "4712", content: "Hello from the shop"), by: person)
        #expect(theirs.conversation.conversation.assignedAgentId == person.id)
    }

    @Test(arguments: Engine.allCases)
    func theAuditNamesTheIntegration(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (_, integration) = try Self.key(desk, "Back office", role: .admin)
        _ = try desk.service.createLabel(LabelInput(name: "VIP", color: "#aa0000"), by: integration.auditActor)
        let entry = try #require(try desk.service.audit(limit: 1, beforeId: nil).first)
        #expect(entry.action == "label.created" && entry.actor.integration == "Back office" && entry.actor.id == integration.id)
    }
}
