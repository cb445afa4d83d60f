import Foundation
import Testing
import SwitchboardCore
import SwitchboardChat

/// The conversation rules, on every engine.
struct ConversationRuleTests {
    @Test(arguments: Engine.allCases) func startIssuesALongRandomSessionAndAWelcome(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let result = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        #expect(result.sessionId.count >= 40)
        #expect(result.messages.count == 1)
        #expect(result.messages[0].senderType == .bot)
        #expect(result.messages[0].content == Settings.defaults.welcomeMessage)
        #expect(result.conversation.status == .automated)
        #expect(result.lastEventId == (try service.latestEventId()))
        #expect(result.lastEventId > 0)
        let uuidV4 = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
        #expect(result.conversation.id.range(of: uuidV4, options: .regularExpression) != nil)
        #expect(result.messages[0].id.range(of: uuidV4, options: .regularExpression) != nil)
        #expect(result.conversation.id != result.messages[0].id)
    }

    @Test(arguments: Engine.allCases) func startWithTheSameSessionResumesAndForceNewStartsAnother(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        _ = try service.customerSend(chat.id, sessionId: session, content: "hello", quickReply: nil, clientMessageId: nil)
        let again = try service.start(sessionId: session, forceNew: false, displayName: nil, email: nil)
        #expect(again.resumed)
        #expect(again.conversation.id == chat.id)
        #expect(again.messages.count == 3)
        let fresh = try service.start(sessionId: session, forceNew: true, displayName: nil, email: nil)
        #expect(!fresh.resumed)
        #expect(fresh.conversation.id != chat.id)
        #expect(try service.conversation(chat.id, access: .customer(sessionId: session)).status == .automated)
    }

    @Test(arguments: Engine.allCases) func anotherSessionIsForbiddenAndUnknownIdsAreNotFound(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, _) = try desk.start()
        let (_, other) = try desk.start()
        #expect(throws: AppError.self) { try service.conversation(chat.id, access: .customer(sessionId: other)) }
        do {
            _ = try service.customerSend(chat.id, sessionId: other, content: "hi", quickReply: nil, clientMessageId: nil)
            Issue.record("sent into someone else's conversation")
        } catch let error as AppError {
            #expect(error.status == 403)
        }
        do {
            _ = try service.conversation("nope", access: .customer(sessionId: other))
            Issue.record("found a conversation that does not exist")
        } catch let error as AppError {
            #expect(error.status == 404)
        }
    }

    @Test(arguments: Engine.allCases) func botAnswersQuickRepliesAndFreeTextOrFallsBack(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        let quick = try service.customerSend(chat.id, sessionId: session, content: nil, quickReply: "return-policy", clientMessageId: nil)
        #expect(quick.customerMessage.kind == .quickReply)
        #expect(quick.botMessage?.content.contains("30 days") == true)
        let text = try service.customerSend(chat.id, sessionId: session, content: "When does my DELIVERY arrive?!", quickReply: nil, clientMessageId: nil)
        #expect(text.botMessage?.metadata?.faqSlug == "delivery-date")
        let unknown = try service.customerSend(chat.id, sessionId: session, content: "banana smoothie", quickReply: nil, clientMessageId: nil)
        // Nobody is online here: the fallback that names the widget's "Leave a message".
        #expect(unknown.botMessage?.content == Settings.defaults.awayFallbackMessage)
        #expect(throws: AppError.notFound("No quick question nope.", code: "faq_not_found")) {
            try service.customerSend(chat.id, sessionId: session, content: nil, quickReply: "nope", clientMessageId: nil)
        }
    }

    @Test(arguments: Engine.allCases) func botIsSilentOnceEscalatedAndClosedIsReadOnly(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.queued()
        let sent = try service.customerSend(chat.id, sessionId: session, content: "return policy?", quickReply: nil, clientMessageId: nil)
        #expect(sent.botMessage == nil)
        let quick = try service.customerSend(chat.id, sessionId: session, content: nil, quickReply: "return-policy", clientMessageId: nil)
        #expect(quick.botMessage == nil)
        let agent = try desk.agent()
        _ = try service.claim(chat.id, by: agent)
        _ = try service.close(chat.id, by: agent)
        #expect(throws: AppError.conversationClosed) {
            try service.customerSend(chat.id, sessionId: session, content: "hello?", quickReply: nil, clientMessageId: nil)
        }
        #expect(throws: AppError.conversationClosed) { try service.agentSend(chat.id, by: agent, content: "x", clientMessageId: nil) }
        #expect(throws: AppError.conversationClosed) { try service.escalate(chat.id, sessionId: session) }
    }

    @Test(arguments: Engine.allCases) func retriedSendWithTheSameClientIdReturnsTheOriginal(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        let first = try service.customerSend(chat.id, sessionId: session, content: "refund please", quickReply: nil, clientMessageId: "c-1")
        let second = try service.customerSend(chat.id, sessionId: session, content: "refund please", quickReply: nil, clientMessageId: "c-1")
        #expect(second.replayed)
        #expect(second.customerMessage.id == first.customerMessage.id)
        #expect(second.botMessage?.id == first.botMessage?.id)
        let page = try service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100)
        #expect(page.messages.filter { $0.clientMessageId == "c-1" }.count == 1)
        #expect(page.messages.count == 3)
        // Unique per conversation: another conversation may reuse the id.
        let (other, otherSession) = try desk.start()
        let reused = try service.customerSend(other.id, sessionId: otherSession, content: "hi", quickReply: nil, clientMessageId: "c-1")
        #expect(!reused.replayed)
    }

    @Test(arguments: Engine.allCases) func escalationIsIdempotent(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        _ = try desk.agent(online: true)
        let escalated = try service.escalate(chat.id, sessionId: session)
        let (first, message) = (escalated.conversation, escalated.message)
        #expect(!escalated.offline)
        #expect(first.status == .agent && first.assignedAgentId == nil)
        #expect(message?.content == BotText.queued)
        let cursor = try service.latestEventId()
        let again = try service.escalate(chat.id, sessionId: session)
        let (second, none) = (again.conversation, again.message)
        #expect(none == nil)
        #expect(second.status == .agent)
        #expect(try service.latestEventId() == cursor)
        let systems = try service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100)
            .messages.filter { $0.senderType == .system }
        #expect(systems.count == 1)
    }

    @Test(arguments: Engine.allCases) func messagesPageAfterAMessageId(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        for i in 0..<5 { _ = try service.customerSend(chat.id, sessionId: session, content: "m\(i)", quickReply: nil, clientMessageId: nil) }
        let all = try service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100).messages
        #expect(all.count == 11)
        let tail = try service.messages(chat.id, access: .customer(sessionId: session), after: all[8].id, limit: 100).messages
        #expect(tail.map(\.id) == all[9...].map(\.id))
        let two = try service.messages(chat.id, access: .customer(sessionId: session), after: all[0].id, limit: 2).messages
        #expect(two.map(\.id) == [all[1].id, all[2].id])
        #expect(throws: AppError.self) { try service.messages(chat.id, access: .customer(sessionId: session), after: "nope", limit: 2) }
    }

    @Test(arguments: Engine.allCases) func everyStateChangeWritesItsOutboxEventsAndWakesTheNotifier(_ engine: Engine) throws {
        let wakes = Counter()
        let desk = try Desk(engine, onEventsCommitted: { wakes.add("w") })
        let service = desk.service
        let (chat, session) = try desk.start()
        #expect(try desk.eventNames() == ["message.created", "conversation.updated"])
        var cursor = try service.latestEventId()
        _ = try service.escalate(chat.id, sessionId: session)
        #expect(try desk.eventNames(after: cursor) == ["message.created", "queue.chat_created", "conversation.updated"])
        cursor = try service.latestEventId()
        let agent = try desk.agent()
        _ = try service.claim(chat.id, by: agent)
        #expect(try desk.eventNames(after: cursor) == ["message.created", "agent.assigned", "queue.chat_claimed", "conversation.updated"])
        cursor = try service.latestEventId()
        _ = try service.agentSend(chat.id, by: agent, content: "hello", clientMessageId: nil)
        #expect(try desk.eventNames(after: cursor) == ["message.created"])
        cursor = try service.latestEventId()
        _ = try service.close(chat.id, by: agent)
        #expect(try desk.eventNames(after: cursor) == ["message.created", "chat.closed", "conversation.updated"])
        #expect(wakes["w"] == 5)
        // Customer-visible events never carry the session id.
        for event in try desk.log.events(after: 0, conversationId: nil, limit: 500) { #expect(!event.data.contains(session)) }
    }
}

/// Who to answer: a contact given at start, in the pre-chat form or the offline form.
struct ContactRuleTests {
    @Test(arguments: Engine.allCases) func aContactIsSetByItsOwnerAndAgentsSeeItsSource(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        let (_, stranger) = try desk.start()
        #expect(throws: AppError.self) { try service.setContact(chat.id, sessionId: stranger, email: "x@example.com", name: nil, source: .prechat) }
        let updated = try service.setContact(chat.id, sessionId: session, email: "robin@example.com", name: "Robin", source: .offline)
        #expect(updated.customerEmail == "robin@example.com" && updated.customerDisplayName == "Robin" && updated.contactSource == .offline)
        let view = try service.agentConversation(chat.id, by: try desk.agent())
        #expect(view.customer == CustomerContact(displayName: "Robin", email: "robin@example.com", source: .offline))
        let started = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: "sam@example.com")
        #expect(started.conversation.contactSource == .start)
    }
}
