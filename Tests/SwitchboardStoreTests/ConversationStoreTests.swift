import Foundation
import Testing
import SwitchboardCore
import SwitchboardStore

struct ConversationStoreTests {
    @Test func startIssuesALongRandomSessionAndAWelcome() throws {
        let store = try makeStore()
        let result = try store.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        #expect(result.sessionId.count >= 40)
        #expect(result.messages.count == 1)
        #expect(result.messages[0].senderType == .bot)
        #expect(result.messages[0].content == BotText.welcome)
        #expect(result.conversation.status == .automated)
        #expect(result.lastEventId == (try store.latestEventId()))
        #expect(result.lastEventId > 0)
        let uuidV4 = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
        #expect(result.conversation.id.range(of: uuidV4, options: .regularExpression) != nil)
        #expect(result.messages[0].id.range(of: uuidV4, options: .regularExpression) != nil)
        #expect(result.conversation.id != result.messages[0].id)
    }

    @Test func startWithTheSameSessionResumesAndForceNewStartsAnother() throws {
        let store = try makeStore()
        let (chat, session) = try startChat(store)
        _ = try store.customerSend(chat.id, sessionId: session, content: "hello", quickReply: nil, clientMessageId: nil)
        let again = try store.start(sessionId: session, forceNew: false, displayName: nil, email: nil)
        #expect(again.resumed)
        #expect(again.conversation.id == chat.id)
        #expect(again.messages.count == 3)
        let fresh = try store.start(sessionId: session, forceNew: true, displayName: nil, email: nil)
        #expect(!fresh.resumed)
        #expect(fresh.conversation.id != chat.id)
        #expect(try store.conversation(chat.id, access: .customer(sessionId: session)).status == .automated)
    }

    @Test func anotherSessionIsForbiddenAndUnknownIdsAreNotFound() throws {
        let store = try makeStore()
        let (chat, _) = try startChat(store)
        let (_, other) = try startChat(store)
        #expect(throws: AppError.self) { try store.conversation(chat.id, access: .customer(sessionId: other)) }
        do {
            _ = try store.customerSend(chat.id, sessionId: other, content: "hi", quickReply: nil, clientMessageId: nil)
            Issue.record("sent into someone else's conversation")
        } catch let error as AppError {
            #expect(error.status == 403)
        }
        do {
            _ = try store.conversation("nope", access: .customer(sessionId: other))
            Issue.record("found a conversation that does not exist")
        } catch let error as AppError {
            #expect(error.status == 404)
        }
    }

    @Test func botAnswersQuickRepliesAndFreeTextOrFallsBack() throws {
        let store = try makeStore()
        let (chat, session) = try startChat(store)
        let quick = try store.customerSend(chat.id, sessionId: session, content: nil, quickReply: "return-policy", clientMessageId: nil)
        #expect(quick.customerMessage.kind == .quickReply)
        #expect(quick.botMessage?.content.contains("30 days") == true)
        let text = try store.customerSend(chat.id, sessionId: session, content: "When does my DELIVERY arrive?!", quickReply: nil, clientMessageId: nil)
        #expect(text.botMessage?.metadata?.first { $0.0 == "faq_slug" }?.1 == "delivery-date")
        let unknown = try store.customerSend(chat.id, sessionId: session, content: "banana smoothie", quickReply: nil, clientMessageId: nil)
        #expect(unknown.botMessage?.content == BotText.fallback)
        #expect(throws: AppError.notFound("No quick question nope.", code: "faq_not_found")) {
            try store.customerSend(chat.id, sessionId: session, content: nil, quickReply: "nope", clientMessageId: nil)
        }
    }

    @Test func botIsSilentOnceEscalatedAndClosedIsReadOnly() throws {
        let store = try makeStore()
        let (chat, session) = try queuedChat(store)
        let sent = try store.customerSend(chat.id, sessionId: session, content: "return policy?", quickReply: nil, clientMessageId: nil)
        #expect(sent.botMessage == nil)
        let quick = try store.customerSend(chat.id, sessionId: session, content: nil, quickReply: "return-policy", clientMessageId: nil)
        #expect(quick.botMessage == nil)
        let agent = try makeAgent(store)
        _ = try store.claim(chat.id, by: agent)
        _ = try store.close(chat.id, by: agent)
        #expect(throws: AppError.conversationClosed) {
            try store.customerSend(chat.id, sessionId: session, content: "hello?", quickReply: nil, clientMessageId: nil)
        }
        #expect(throws: AppError.conversationClosed) { try store.agentSend(chat.id, by: agent, content: "x", clientMessageId: nil) }
        #expect(throws: AppError.conversationClosed) { try store.escalate(chat.id, sessionId: session) }
    }

    @Test func retriedSendWithTheSameClientIdReturnsTheOriginal() throws {
        let store = try makeStore()
        let (chat, session) = try startChat(store)
        let first = try store.customerSend(chat.id, sessionId: session, content: "refund please", quickReply: nil, clientMessageId: "c-1")
        let second = try store.customerSend(chat.id, sessionId: session, content: "refund please", quickReply: nil, clientMessageId: "c-1")
        #expect(second.replayed)
        #expect(second.customerMessage.id == first.customerMessage.id)
        #expect(second.botMessage?.id == first.botMessage?.id)
        let page = try store.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100)
        #expect(page.messages.filter { $0.clientMessageId == "c-1" }.count == 1)
        #expect(page.messages.count == 3)
        // Unique per conversation: another conversation may reuse the id.
        let (other, otherSession) = try startChat(store)
        let reused = try store.customerSend(other.id, sessionId: otherSession, content: "hi", quickReply: nil, clientMessageId: "c-1")
        #expect(!reused.replayed)
    }

    @Test func escalationIsIdempotent() throws {
        let store = try makeStore()
        let (chat, session) = try startChat(store)
        let (first, message) = try store.escalate(chat.id, sessionId: session)
        #expect(first.status == .agent && first.assignedAgentId == nil)
        #expect(message?.content == BotText.queued)
        let cursor = try store.latestEventId()
        let (second, none) = try store.escalate(chat.id, sessionId: session)
        #expect(none == nil)
        #expect(second.status == .agent)
        #expect(try store.latestEventId() == cursor)
        let systems = try store.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100)
            .messages.filter { $0.senderType == .system }
        #expect(systems.count == 1)
    }

    @Test func messagesPageAfterAMessageId() throws {
        let store = try makeStore()
        let (chat, session) = try startChat(store)
        for i in 0..<5 { _ = try store.customerSend(chat.id, sessionId: session, content: "m\(i)", quickReply: nil, clientMessageId: nil) }
        let all = try store.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100).messages
        #expect(all.count == 11)
        let tail = try store.messages(chat.id, access: .customer(sessionId: session), after: all[8].id, limit: 100).messages
        #expect(tail.map(\.id) == all[9...].map(\.id))
        let two = try store.messages(chat.id, access: .customer(sessionId: session), after: all[0].id, limit: 2).messages
        #expect(two.map(\.id) == [all[1].id, all[2].id])
        #expect(throws: AppError.self) { try store.messages(chat.id, access: .customer(sessionId: session), after: "nope", limit: 2) }
    }

    @Test func everyStateChangeWritesItsOutboxEventsAndWakesTheNotifier() throws {
        let wakes = Counter()
        let store = try makeStore(onEventsCommitted: { wakes.add("w") })
        let (chat, session) = try startChat(store)
        #expect(try eventNames(store) == ["message.created", "conversation.updated"])
        var cursor = try store.latestEventId()
        _ = try store.escalate(chat.id, sessionId: session)
        #expect(try eventNames(store, after: cursor) == ["message.created", "queue.chat_created", "conversation.updated"])
        cursor = try store.latestEventId()
        let agent = try makeAgent(store)
        _ = try store.claim(chat.id, by: agent)
        #expect(try eventNames(store, after: cursor) == ["message.created", "agent.assigned", "queue.chat_claimed", "conversation.updated"])
        cursor = try store.latestEventId()
        _ = try store.agentSend(chat.id, by: agent, content: "hello", clientMessageId: nil)
        #expect(try eventNames(store, after: cursor) == ["message.created"])
        cursor = try store.latestEventId()
        _ = try store.close(chat.id, by: agent)
        #expect(try eventNames(store, after: cursor) == ["message.created", "chat.closed", "conversation.updated"])
        #expect(wakes["w"] == 5)
        // Customer-visible events never carry the session id.
        for event in try store.events(after: 0) { #expect(!event.data.contains(session)) }
    }

    @Test func commitsAreDurable() throws {
        let store = try makeStore()
        #expect(try store.writerSynchronousMode() == 2) // FULL
    }

    @Test func backupCopiesTheLiveDatabase() throws {
        let store = try makeStore()
        let (chat, _) = try startChat(store)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sb-backup-\(UUID().uuidString).sqlite").path
        try store.backup(to: path)
        let copy = try Store(path: path, readOnly: true)
        #expect(try copy.queue().items.isEmpty)
        #expect(try copy.latestEventId() == (try store.latestEventId()))
        _ = chat
        #expect(throws: AppError.self) { try store.backup(to: path) }
    }
}
