import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Chats nobody holds, and a bot that says what is true (API.md "Chats nobody holds", "The
/// bot"): on both engines.
struct NobodyHoldsRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")

    func token(_ desk: Desk, _ agent: Agent) throws -> String {
        try #require(try desk.service.login(username: agent.username, password: "correct horse battery", client: "10.0.0.1")).token
    }

    func claimed(_ desk: Desk, by agent: Agent) throws -> Conversation {
        let (chat, _) = try desk.queued()
        return try desk.service.claim(chat.id, by: agent).conversation
    }

    @Test(arguments: Engine.allCases) func signingOutReturnsTheChatsToTheQueue(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let alex = try desk.agent("alex", online: true)
        let first = try claimed(desk, by: alex), second = try claimed(desk, by: alex)
        let cursor = try desk.service.latestEventId()
        try desk.service.logout(token: try token(desk, alex), of: alex, returnChats: true)
        #expect(Set(try desk.queueIds()).isSuperset(of: [first.id, second.id]))
        #expect(try #require(try desk.service.agent(username: "alex")).presence == .offline)
        let returned = try desk.service.messages(first.id, access: .agent(alex), after: nil, limit: 50).messages.last
        #expect(returned?.metadata?.event == "returned")
        // Nobody else is online: the customer reads the away message, never "we're finding someone".
        #expect(returned?.content == (try desk.service.settings()).availability.awayMessage)
        #expect(try desk.eventNames(after: cursor).filter { $0 == "queue.chat_created" }.count == 2)
    }

    @Test(arguments: Engine.allCases) func withAutoRoutingAReturnedChatGoesToSomeoneOnline(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto)
        let alex = try desk.agent("alex", online: true)
        let (chat, _) = try desk.queued()  // routed to Alex, the only one online
        #expect(try desk.service.conversation(chat.id, access: .agent(alex)).assignedAgentId == alex.id)
        let sam = try desk.agent("sam", online: true)
        try desk.service.logout(token: try token(desk, alex), of: alex, returnChats: true)
        let now = try desk.service.conversation(chat.id, access: .agent(sam))
        #expect(now.assignedAgentId == sam.id)
        let texts = try desk.service.messages(chat.id, access: .agent(sam), after: nil, limit: 50).messages.map(\.content)
        #expect(texts.contains("Alex had to leave — we're finding someone else."))
    }

    @Test(arguments: Engine.allCases) func signingOutMayKeepTheChats(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let alex = try desk.agent("alex", online: true)
        let chat = try claimed(desk, by: alex)
        try desk.service.logout(token: try token(desk, alex), of: alex, returnChats: false)
        #expect(try desk.service.conversation(chat.id, access: .agent(alex)).assignedAgentId == alex.id)
    }

    @Test(arguments: Engine.allCases) func anAgentGoneTooLongHasTheirChatsReturned(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let alex = try desk.agent("alex", online: true)
        let chat = try claimed(desk, by: alex)
        // Alex's console closed; the presence sweep set them offline (away_since) after the grace.
        try desk.service.store.write { try $0.setStreamPresence(.agent(alex.id), open: false, at: .now()) }
        _ = try desk.service.sweepPresence(now: Timestamp.now().adding(seconds: 3600))
        #expect(try #require(try desk.service.agent(username: "alex")).awaySince != nil)
        #expect(try desk.service.returnStrandedChats(now: Timestamp.now().adding(seconds: 60)) == 0)  // not yet 5 minutes
        #expect(try desk.service.returnStrandedChats(now: Timestamp.now().adding(seconds: 600)) == 1)
        #expect(try desk.queueIds().contains(chat.id))
        // 0 turns it off.
        let other = try desk.agent("sam", online: true)
        let kept = try claimed(desk, by: other)
        _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: #"{"routing":{"return_after_minutes":0}}"#),
                                            by: Self.admin)
        try desk.service.store.write { try $0.setStreamPresence(.agent(other.id), open: false, at: .now()) }
        _ = try desk.service.sweepPresence(now: Timestamp.now().adding(seconds: 3600))
        #expect(try desk.service.returnStrandedChats(now: Timestamp.now().adding(seconds: 86400)) == 0)
        #expect(try desk.service.conversation(kept.id, access: .agent(other)).assignedAgentId == other.id)
    }

    @Test(arguments: Engine.allCases) func theCustomerSeesWhetherTheirAgentIsThere(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let alex = try desk.agent("alex", online: true)
        let chat = try claimed(desk, by: alex)
        #expect(chat.assignedAgentPresence == .online)
        let cursor = try desk.service.latestEventId()
        _ = try desk.service.setPresence(agentId: alex.id, .offline)
        let updates = try desk.log.events(after: cursor, conversationId: chat.id, limit: 50).filter { $0.name == "conversation.updated" }
        #expect(updates.count == 1)
        #expect(updates.first?.data.contains(#""assigned_agent_presence":"offline""#) == true)
    }

    @Test(arguments: Engine.allCases) func theFallbackSaysWhatTheWidgetShows(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let (chat, session) = try desk.start()
        let away = try desk.service.customerSend(chat.id, sessionId: session, content: "zzqx blorp", quickReply: nil, clientMessageId: nil)
        #expect(away.botMessage?.content == Settings.defaultAwayFallback)
        _ = try desk.agent("alex", online: true)
        let online = try desk.service.customerSend(chat.id, sessionId: session, content: "zzqx blorp again", quickReply: nil, clientMessageId: nil)
        #expect(online.botMessage?.content == Settings.defaults.fallbackMessage)
    }

    @Test(arguments: Engine.allCases) func askingForAPersonEscalatesOrOffersTheForm(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let (chat, session) = try desk.start()
        // Nobody there: the leave-a-message form, never the FAQ fallback.
        let nobody = try desk.service.customerSend(chat.id, sessionId: session, content: "I want to talk to a HUMAN please",
                                                   quickReply: nil, clientMessageId: nil)
        #expect(nobody.conversation.status == .automated)
        #expect(nobody.botMessage?.metadata?.event == "leave_message")
        #expect(nobody.botMessage?.content == Settings.defaultAwayFallback)
        // Someone online: escalated at once.
        _ = try desk.agent("alex", online: true)
        let someone = try desk.service.customerSend(chat.id, sessionId: session, content: "can I speak to a real person?",
                                                    quickReply: nil, clientMessageId: nil)
        #expect(someone.conversation.status == .agent && someone.botMessage == nil)
        #expect(try desk.queueIds().contains(chat.id))
    }

    @Test(arguments: Engine.allCases) func availabilityIsAnnouncedOncePerChange(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let cursor = try desk.service.latestEventId()
        #expect(try desk.service.announceAvailability()?.status == .away)  // the first look
        #expect(try desk.service.announceAvailability() == nil)  // nothing changed
        let alex = try desk.agent("alex", online: true)
        #expect(try desk.service.announceAvailability()?.status == .online)
        _ = try desk.service.setPresence(agentId: alex.id, .offline)
        #expect(try desk.service.announceAvailability()?.status == .away)
        #expect(try desk.eventNames(after: cursor).filter { $0 == "availability.changed" }.count == 3)
    }

    @Test func phrasesMatchWholeWordsInAnyCase() {
        let phrases = Settings.defaultHumanPhrases
        #expect(HumanPhrases.matches("Can I TALK TO someone?", phrases))
        #expect(HumanPhrases.matches("human!", phrases))
        #expect(!HumanPhrases.matches("the talkto button", ["talk to"]))
        #expect(!HumanPhrases.matches("inhuman prices", ["human"]))
        #expect(!HumanPhrases.matches("where is my parcel", phrases))
        #expect(!HumanPhrases.matches("", phrases))
    }

    @Test(arguments: Engine.allCases) func theNewSettingsAreChecked(_ engine: Engine) throws {
        let desk = try Desk(engine)
        for bad in [#"{"routing":{"return_after_minutes":-1}}"#, #"{"routing":{"return_after_minutes":1441}}"#,
                    #"{"away_fallback_message":" "}"#, #"{"human_phrases":["\#(String(repeating: "x", count: 41))"]}"#,
                    #"{"human_phrases":null}"#] {
            #expect(throws: (any Error).self, "\(bad)") {
                _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: bad), by: Self.admin)
            }
        }
        let saved = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: #"{"human_phrases":["Operator","operator"," Live Chat "]}"#),
                                                    by: Self.admin)
        #expect(saved.humanPhrases == ["operator", "live chat"])
    }
}
