import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// FAQs, settings, the team and the audit log, on every engine.
struct AdminRuleTests {
    static let admin = AuditEntry.Actor(id: "a-1", username: "root")

    @Test(arguments: Engine.allCases) func faqsAreCreatedWithDerivedSlugsEditedAndDeleted(_ engine: Engine) throws {
        let desk = try Desk(engine) // keeps its database until the test ends
        let service = desk.service
        let faq = try service.createFAQ(FAQInput(question: "Do you ship to Norway?", answer: "Yes, in 5 days.",
                                                 keywords: [" Fjord ", "fjord", "NORGE"]), by: Self.admin)
        #expect(faq.slug == "do-you-ship-to-norway")
        #expect(faq.keywords == ["fjord", "norge"])
        #expect(faq.position == demoFAQs.count) // appended
        let twin = try service.createFAQ(FAQInput(question: "Do you ship to Norway?", answer: "Also yes."), by: Self.admin)
        #expect(twin.slug == "do-you-ship-to-norway-2")
        #expect(throws: AppError.conflict("Another FAQ has the slug do-you-ship-to-norway.", code: "slug_taken")) {
            try service.createFAQ(FAQInput(question: "Q", answer: "A", slug: "do-you-ship-to-norway"), by: Self.admin)
        }
        let edited = try service.updateFAQ(id: faq.id, try WireJSON.decode(FAQPatch.self, from: #"{"answer":"Yes, in 4 days.","enabled":false}"#), by: Self.admin)
        #expect(edited.answer == "Yes, in 4 days." && !edited.enabled && edited.createdAt == faq.createdAt)
        #expect(try service.faqs().allSatisfy { $0.id != faq.id }) // disabled: not offered
        #expect(try service.adminFAQs().contains { $0.id == faq.id })
        try service.deleteFAQ(id: twin.id, by: Self.admin)
        #expect(throws: AppError.self) { try service.deleteFAQ(id: twin.id, by: Self.admin) }
        let actions = try service.audit(limit: 10, beforeId: nil).map(\.action)
        #expect(actions.prefix(3) == ["faq.deleted", "faq.updated", "faq.created"])
    }

    @Test(arguments: Engine.allCases) func disabledFAQsAreNeitherOfferedNorMatchedAndKeywordsMatch(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, session) = try desk.start()
        // "parcel" is only a keyword of "Where is my order?" — not a word of its question.
        let byKeyword = try service.customerSend(chat.id, sessionId: session, content: "my parcel?", quickReply: nil, clientMessageId: nil)
        #expect(byKeyword.botMessage?.metadata?.faqSlug == "order-status")
        let orderStatus = try #require(try service.adminFAQs().first { $0.slug == "order-status" })
        _ = try service.updateFAQ(id: orderStatus.id, try WireJSON.decode(FAQPatch.self, from: #"{"enabled":false}"#), by: Self.admin)
        let now = try service.customerSend(chat.id, sessionId: session, content: "my parcel?", quickReply: nil, clientMessageId: nil)
        #expect(now.botMessage?.metadata?.faqSlug != "order-status")
        #expect(throws: AppError.self) {
            try service.customerSend(chat.id, sessionId: session, content: nil, quickReply: "order-status", clientMessageId: nil)
        }
        #expect(try !service.widgetConfig().quickQuestions.contains { $0.slug == "order-status" })
    }

    @Test(arguments: Engine.allCases) func importIsAllOrNothingAndReportsWhatItDid(_ engine: Engine) throws {
        let desk = try Desk(engine) // keeps its database until the test ends
        let service = desk.service
        var changed = demoFAQs
        changed[0].answer = "Changed."
        changed.append(FAQInput(question: "Gift cards?", answer: "Yes."))
        let report = try service.importFAQs(changed, by: .cli)
        #expect(report.created == ["gift-cards"] && report.updated == [demoFAQs[0].slug!] && report.unchanged.count == demoFAQs.count - 1)
        let before = try service.adminFAQs()
        var bad = changed
        bad[1].answer = ""
        bad.append(FAQInput(question: "New one", answer: "Never stored."))
        #expect(throws: AppError.self) { try service.importFAQs(bad, by: .cli) }
        #expect(try service.adminFAQs() == before)
    }

    @Test(arguments: Engine.allCases) func settingsMergeAreValidatedAndDriveTheBot(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        var patch = SettingsPatch()
        patch.welcomeMessage = "Welcome to Fjord & Co!"
        patch.fallbackMessage = "No idea, sorry."
        let saved = try service.updateSettings(patch, by: Self.admin)
        var widget = Settings.defaults.widget
        widget.allowedOrigins = ChatPolicy().widgetOrigins  // the configuration's, until an admin saves a list
        #expect(saved.widget == widget)
        let colour = try WireJSON.decode(SettingsPatch.self, from: ##"{"widget":{"color":"#AA0011"}}"##)
        #expect(try service.updateSettings(colour, by: Self.admin).widget.color == "#aa0011")
        #expect(try service.settings().welcomeMessage == "Welcome to Fjord & Co!") // merged, not replaced
        for bad in [#"{"widget":{"color":"red"}}"#, #"{"brand_name":"  "}"#, #"{"widget":{"position":"top"}}"#] {
            #expect(throws: AppError.self) { try service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: bad), by: Self.admin) }
        }
        #expect(throws: DecodingError.self) { try WireJSON.decode(SettingsPatch.self, from: #"{"bot_name":null}"#) }
        let (chat, session) = try desk.start()
        let start = try service.start(sessionId: session, forceNew: true, displayName: nil, email: nil)
        #expect(start.messages.first?.content == "Welcome to Fjord & Co!")
        _ = try desk.agent(online: true)  // the fallback for while someone is online
        let reply = try service.customerSend(chat.id, sessionId: session, content: "banana", quickReply: nil, clientMessageId: nil)
        #expect(reply.botMessage?.content == "No idea, sorry.")
        #expect(try service.audit(limit: 5, beforeId: nil).first?.data.changes == ["widget.color": "#aa0011"])
    }

    @Test(arguments: Engine.allCases) func aDisabledAgentCannotLogInLosesTokensAndIsNeverAssigned(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto)
        let service = desk.service
        let alex = try desk.agent("alex", online: true)
        let token = try #require(try service.login(username: "alex", password: "correct horse battery")).token
        let cursor = try service.latestEventId()
        let disabled = try service.updateAgent(id: alex.id, AgentPatch(disabled: true), by: Self.admin)
        #expect(disabled.disabled && disabled.presence == .offline)
        #expect(try service.authenticate(token: token) == nil)
        #expect(try service.login(username: "alex", password: "correct horse battery") == nil)
        #expect(try desk.eventNames(after: cursor) == ["agent.presence.changed", "agent.session_revoked"])
        let (chat, _) = try desk.queued()
        #expect(chat.assignedAgentId == nil)
        _ = try service.updateAgent(id: alex.id, AgentPatch(disabled: false), by: Self.admin)
        #expect(try service.login(username: "alex", password: "correct horse battery") != nil)
        #expect(try service.audit(limit: 2, beforeId: nil).map(\.action) == ["agent.enabled", "agent.disabled"])
    }

    @Test(arguments: Engine.allCases) func theLastActiveAdminCanBeNeitherDisabledNorDemoted(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let root = try desk.agent("root", role: .admin)
        let lastAdmin = AppError.conflict("root is the last active admin; make another admin first.", code: "last_admin")
        #expect(throws: lastAdmin) { try service.updateAgent(id: root.id, AgentPatch(disabled: true), by: Self.admin) }
        #expect(throws: lastAdmin) { try service.updateAgent(id: root.id, AgentPatch(role: .agent), by: Self.admin) }
        let ada = try desk.agent("ada")
        _ = try service.updateAgent(id: ada.id, AgentPatch(role: .admin), by: Self.admin)
        #expect(try service.updateAgent(id: root.id, AgentPatch(role: .agent), by: Self.admin).role == .agent)
        #expect(throws: AppError.self) { try service.updateAgent(id: "nobody", AgentPatch(disabled: true), by: Self.admin) }
        let team = try service.team()
        #expect(team.map(\.agent.username) == ["ada", "root"])
        #expect(team.allSatisfy { $0.activeChats == 0 })
    }

    @Test(arguments: Engine.allCases) func passwordChangesEndOtherSessions(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let alex = try desk.agent("alex")
        let mine = try #require(try service.login(username: "alex", password: "correct horse battery")).token
        let other = try #require(try service.login(username: "alex", password: "correct horse battery")).token
        #expect(throws: AppError.self) { try service.changeOwnPassword(alex, token: mine, current: "wrong one!", new: "another horse battery") }
        try service.changeOwnPassword(alex, token: mine, current: "correct horse battery", new: "another horse battery")
        #expect(try service.authenticate(token: mine)?.id == alex.id)
        #expect(try service.authenticate(token: other) == nil)
        try service.resetPassword(agentId: alex.id, to: "admin chosen password", by: Self.admin)
        #expect(try service.authenticate(token: mine) == nil)
        #expect(try service.login(username: "alex", password: "admin chosen password") != nil)
        #expect(try service.audit(limit: 1, beforeId: nil).first?.data.changes == ["username": "alex"]) // never the password
    }

    /// The FAQs are served from memory: a change through the service is seen by the next
    /// request, one made by another process (here: another service on the same store) within
    /// a second, and a failed change leaves the copy as it was.
    @Test(arguments: Engine.allCases) func theFAQsInMemoryFollowEveryChange(_ engine: Engine) throws {
        let clock = ManualClock()
        let desk = try Desk(engine, cacheClock: clock.cacheClock)
        let service = desk.service
        let before = try service.faqs().map(\.slug)
        // The bot's matcher (also kept in memory) follows every change too.
        let (chat, session) = try desk.start()
        func botSays(_ text: String) throws -> String? {
            try service.customerSend(chat.id, sessionId: session, content: text, quickReply: nil, clientMessageId: nil).botMessage?.content
        }
        #expect(try botSays("Do you ship to Norway?") != "Yes, in 3 days.")
        let added = try service.createFAQ(FAQInput(question: "Do you ship to Norway?", answer: "Yes, in 3 days."), by: Self.admin)
        #expect(try service.faqs().map(\.slug) == before + [added.slug])
        #expect(try botSays("Do you ship to Norway?") == "Yes, in 3 days.")
        _ = try service.updateFAQ(id: added.id, try WireJSON.decode(FAQPatch.self, from: #"{"enabled":false}"#), by: Self.admin)
        #expect(try service.faqs().map(\.slug) == before)
        #expect(try botSays("Do you ship to Norway?") != "Yes, in 3 days.")

        let other = ChatService(store: service.store)
        try other.deleteFAQ(id: try #require(try other.adminFAQs().first?.id), by: Self.admin)
        #expect(try service.faqs().map(\.slug) == before) // another process's change: not yet
        clock.advance(seconds: 0.9)
        #expect(try service.faqs().map(\.slug) == before) // still within the second
        clock.advance(seconds: 0.2)
        #expect(try service.faqs().map(\.slug) == Array(before.dropFirst()))
    }
}
