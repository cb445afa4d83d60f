import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Private notes never reach a customer; transfers move a chat with one system message for
/// the customer, the note for the team, and the capacity and holder rules.
struct HandoverRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")


    @Test func mentionsAreUsernamesAfterAnAtThatIsNoAddress() {
        #expect(Note.mentionedUsernames(in: "@sam please check with @kim.lee. Mail sam@example.com, @SAM again") == ["sam", "kim.lee"])
        #expect(Note.mentionedUsernames(in: "no mentions @ all, nor a@b") == [])
        #expect(Note.mentionedUsernames(in: "(@alex-2)") == ["alex-2"])
    }

    @Test(arguments: Engine.allCases) func aNoteReachesAgentsOnlyAndNamesWhoItMentions(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let sam = try desk.agent("sam")
        let (chat, session) = try desk.queued()
        let cursor = try desk.log.events(after: 0, conversationId: nil, limit: 500).last?.id ?? 0
        let phrase = "refund approved by Sam zq\(UUID().uuidString.prefix(6))"
        let note = try desk.service.addNote(chat.id, by: alex, content: "\(phrase), @sam and @nobody please look")
        #expect(note.mentions == [sam.id] && note.author.displayName == "Alex")
        #expect(try desk.service.notes(chat.id) == [note])

        let events = try desk.log.events(after: cursor, conversationId: nil, limit: 50)
        #expect(events.map(\.name) == ["note.created", "note.mentioned"])
        #expect(events.allSatisfy { $0.audience == .agents })
        #expect(events[1].data.contains(sam.id))

        // Nowhere the customer reads: messages, the conversation, lists' last message.
        let page = try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 200)
        #expect(!page.messages.contains { $0.content.contains(phrase) })
        let listed = try desk.service.conversations(ConversationQuery(status: nil, assigned: .anyone, order: .recentActivity, limit: 50))
        #expect(!listed.items.contains { $0.lastMessage?.content.contains(phrase) == true })
        let conversationEvents = try desk.log.events(after: 0, conversationId: nil, limit: 500).filter { $0.audience == .conversation }
        #expect(!conversationEvents.contains { $0.data.contains(phrase) })

        // Closed conversations take notes too; an unknown one is 404.
        _ = try desk.service.close(chat.id, by: try desk.agent("closer", role: .admin))
        _ = try desk.service.addNote(chat.id, by: alex, content: "follow up next week")
        refused("conversation_not_found") { _ = try desk.service.addNote(UUID().uuidString, by: alex, content: "x") }
        refused("empty_content") { _ = try desk.service.addNote(chat.id, by: alex, content: "   ") }
    }

    @Test(arguments: Engine.allCases) func aTransferMovesTheChatWithOneMessageForTheCustomerAndTheNoteForTheTeam(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex", online: true)
        let sam = try desk.agent("sam", online: true)
        let (chat, session) = try desk.queued()
        _ = try desk.service.claim(chat.id, by: alex)
        let cursor = try desk.log.events(after: 0, conversationId: nil, limit: 500).last?.id ?? 0

        let moved = try desk.service.transfer(chat.id, by: alex, to: .agent(sam.id), note: "order 1234: courier claim open")
        #expect(moved.conversation.assignedAgentId == sam.id)
        let names = try desk.log.events(after: cursor, conversationId: nil, limit: 50).map(\.name)
        #expect(names == ["note.created", "conversation.transferred", "message.created", "agent.assigned", "conversation.updated"])

        let customer = try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 200).messages
        #expect(customer.last?.content == "You're now chatting with Sam." && customer.last?.metadata?.event == "transferred")
        #expect(!customer.contains { $0.content.contains("courier claim") })
        #expect(try desk.service.notes(chat.id).map(\.content) == ["order 1234: courier claim open"])

        // Alex no longer holds it: only Sam (or an admin) may move it on.
        refused("not_holder") { _ = try desk.service.transfer(chat.id, by: alex, to: .queue, note: nil) }
        let back = try desk.service.transfer(chat.id, by: sam, to: .queue, note: nil)
        #expect(back.conversation.assignedAgentId == nil && back.conversation.status == .agent)
        #expect(try desk.queueIds() == [chat.id])
        // From the queue only an admin hands it over.
        refused("not_holder") { _ = try desk.service.transfer(chat.id, by: sam, to: .agent(sam.id), note: nil) }
        let ada = try desk.agent("ada", role: .admin)
        #expect(try desk.service.transfer(chat.id, by: ada, to: .agent(alex.id), note: nil).conversation.assignedAgentId == alex.id)
        #expect(try desk.queueIds().isEmpty)
    }

    @Test(arguments: Engine.allCases) func aTransferRespectsCapacityAndWhoCanTakeChats(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex", online: true)
        let kim = try desk.agent("kim", capacity: 1, online: true)
        let ada = try desk.agent("ada", role: .admin)
        let (first, _) = try desk.queued()
        let (second, _) = try desk.queued()
        _ = try desk.service.claim(first.id, by: kim)
        _ = try desk.service.claim(second.id, by: alex)

        refused("agent_full") { _ = try desk.service.transfer(second.id, by: alex, to: .agent(kim.id), note: nil) }
        refused("agent_full") { _ = try desk.service.transfer(second.id, by: alex, to: .agent(kim.id), note: nil, force: true) }
        #expect(try desk.service.transfer(second.id, by: ada, to: .agent(kim.id), note: nil, force: true).conversation.assignedAgentId == kim.id)

        _ = try desk.service.updateAgent(id: alex.id, try WireJSON.decode(AgentPatch.self, from: #"{"disabled": true}"#), by: Self.admin)
        refused("agent_unavailable") { _ = try desk.service.transfer(second.id, by: kim, to: .agent(alex.id), note: nil) }
        refused("agent_not_found") { _ = try desk.service.transfer(second.id, by: kim, to: .agent(UUID().uuidString), note: nil) }

        let (bot, _) = try desk.start()
        refused("invalid_transition") { _ = try desk.service.transfer(bot.id, by: ada, to: .agent(kim.id), note: nil) }
        _ = try desk.service.close(second.id, by: kim)
        refused("conversation_closed") { _ = try desk.service.transfer(second.id, by: kim, to: .queue, note: nil) }
    }
}

/// Unread counts per agent and conversation, and who waits for an answer.
struct UnreadRuleTests {
    func mine(_ desk: Desk, _ agent: Agent, unread: Bool = false, awaiting: Bool = false) throws -> [AgentConversation] {
        var query = ConversationQuery(status: nil, assigned: .anyone, order: .recentActivity, limit: 50)
        query.viewer = agent.id
        query.unreadOnly = unread
        query.awaitingReplyOnly = awaiting
        return try desk.service.conversations(query).items
    }

    @Test(arguments: Engine.allCases) func unreadIsPerAgentAndAwaitingFollowsWhoWroteLast(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex", online: true)
        let sam = try desk.agent("sam", online: true)
        let (chat, session) = try desk.queued()
        // Asking for a person is waiting for one, before a word is written.
        let asked = try #require(try mine(desk, alex).first { $0.id == chat.id })
        #expect(asked.awaitingReply && asked.unreadCount == 0 && asked.waitingSince != nil)
        try desk.say(chat, session, "Hello? My parcel is lost")
        try desk.say(chat, session, "Order 1234")

        var row = try #require(try mine(desk, alex).first { $0.id == chat.id })
        #expect(row.unreadCount == 2 && row.awaitingReply)
        let waitingSince = try #require(row.waitingSince)
        #expect(try mine(desk, alex, unread: true).map(\.id) == [chat.id])
        #expect(try mine(desk, alex, awaiting: true).map(\.id) == [chat.id])

        // Alex reads it: nothing unread for Alex, still two for Sam; still awaiting a reply.
        try desk.service.markRead(chat.id, by: alex, upToMessageId: nil)
        row = try #require(try mine(desk, alex).first { $0.id == chat.id })
        #expect(row.unreadCount == 0 && row.awaitingReply && row.waitingSince == waitingSince)
        #expect(try mine(desk, alex, unread: true).isEmpty)
        #expect(try mine(desk, sam).first { $0.id == chat.id }?.unreadCount == 2)
        #expect(try desk.eventNames().last == "conversation.read")

        // Sam answers: not awaiting any more; Sam has read what Sam answered.
        _ = try desk.service.agentSend(chat.id, by: sam, content: "Looking into it", clientMessageId: nil)
        row = try #require(try mine(desk, sam).first { $0.id == chat.id })
        #expect(row.unreadCount == 0 && !row.awaitingReply && row.waitingSince == nil)
        #expect(try mine(desk, sam, awaiting: true).isEmpty)

        // The customer writes again: awaiting since that message, one unread for both.
        try desk.say(chat, session, "Thanks!")
        row = try #require(try mine(desk, sam).first { $0.id == chat.id })
        #expect(row.unreadCount == 1 && row.awaitingReply && (row.waitingSince ?? waitingSince) >= waitingSince)
        #expect(try mine(desk, alex).first { $0.id == chat.id }?.unreadCount == 1)

        // A read up to an older message counts what came after it again.
        let first = try desk.service.messages(chat.id, access: .agent(alex), after: nil, limit: 50).messages
            .first { $0.content == "Order 1234" }
        try desk.service.markRead(chat.id, by: alex, upToMessageId: try #require(first).id)
        #expect(try mine(desk, alex).first { $0.id == chat.id }?.unreadCount == 1)
        #expect(throws: AppError.self) { try desk.service.markRead(chat.id, by: alex, upToMessageId: "not-a-message") }

        // Closed: nobody is waiting any more.
        _ = try desk.service.close(chat.id, by: sam)
        #expect(try mine(desk, sam, awaiting: true).isEmpty)
    }
}

/// Labels: admins keep the set, agents label conversations, lists filter by them, and a
/// label change reaches agents only.
struct LabelRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")

    @Test(arguments: Engine.allCases) func labelsAreTheTeamsAndNeverTheCustomers(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let refund = try desk.service.createLabel(LabelInput(name: "Refund", color: "#D97706"), by: Self.admin)
        let vip = try desk.service.createLabel(LabelInput(name: "VIP", color: "#1a56db"), by: Self.admin)
        #expect(refund.color == "#d97706")
        #expect(throws: AppError.self) { _ = try desk.service.createLabel(LabelInput(name: "refund", color: "#000000"), by: Self.admin) }
        #expect(throws: AppError.self) { _ = try desk.service.createLabel(LabelInput(name: "Bad", color: "red"), by: Self.admin) }
        #expect(try desk.service.labels().map(\.name) == ["Refund", "VIP"])

        let (chat, session) = try desk.queued()
        let (other, _) = try desk.queued()
        let cursor = try desk.log.events(after: 0, conversationId: nil, limit: 500).last?.id ?? 0
        let labelled = try desk.service.setLabels(chat.id, labelIds: [vip.id, refund.id, vip.id], by: alex)
        #expect(labelled.conversation.labels.map(\.name) == ["Refund", "VIP"])
        let events = try desk.log.events(after: cursor, conversationId: nil, limit: 50)
        #expect(events.map(\.name) == ["conversation.updated"] && events.allSatisfy { $0.audience == .agents })
        #expect(events.first?.data.contains("\"labels\":[") == true)
        #expect(throws: AppError.self) { _ = try desk.service.setLabels(chat.id, labelIds: ["nope"], by: alex) }

        // Lists carry them and filter by them; the customer's view never has them.
        var query = ConversationQuery(status: nil, assigned: .anyone, order: .recentActivity, limit: 50)
        query.labelId = refund.id
        let listed = try desk.service.conversations(query).items
        #expect(listed.map(\.id) == [chat.id] && listed.first?.conversation.labels.count == 2)
        #expect(!listed.contains { $0.id == other.id })
        let customerView = try WireJSON.string(try desk.service.messages(chat.id, access: .customer(sessionId: session),
                                                                          after: nil, limit: 10).conversation)
        #expect(!customerView.contains("labels") && !customerView.contains("Refund"))
        let customerEvents = try desk.log.events(after: 0, conversationId: nil, limit: 500).filter { $0.audience == .conversation }
        #expect(!customerEvents.contains { $0.data.contains("Refund") })

        // Renamed everywhere at once (and every console told); deleted: off every conversation.
        let beforeRename = try desk.log.events(after: 0, conversationId: nil, limit: 500).last?.id ?? 0
        _ = try desk.service.updateLabel(id: refund.id, LabelInput(name: "Refunded"), by: Self.admin)
        let told = try desk.log.events(after: beforeRename, conversationId: nil, limit: 10)
        #expect(told.map(\.name) == ["labels.changed"] && told.first?.audience == .agents && told.first?.data.contains("Refunded") == true)
        #expect(try desk.service.agentConversation(chat.id, by: alex).conversation.labels.map(\.name) == ["Refunded", "VIP"])
        try desk.service.deleteLabel(id: vip.id, by: Self.admin)
        #expect(try desk.service.agentConversation(chat.id, by: alex).conversation.labels.map(\.name) == ["Refunded"])
        let actions = try desk.service.audit(limit: 10, beforeId: nil).map(\.action)
        #expect(actions.contains("label.created") && actions.contains("label.updated") && actions.contains("label.deleted"))
    }
}
