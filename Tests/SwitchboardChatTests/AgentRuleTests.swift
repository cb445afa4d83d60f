import Dispatch
import Foundation
import Testing
import SwitchboardCore
import SwitchboardChat

/// Accounts, claims and routing, on every engine.
struct AgentRuleTests {
    @Test func passwordsAreScryptHashedAndVerifiedInConstantTime() throws {
        let hasher = PasswordHasher(logN: 10)
        let hash = try hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("scrypt$10$8$1$"))
        #expect(!hash.contains("correct"))
        #expect(try hasher.verify("correct horse battery", against: hash))
        #expect(try !hasher.verify("correct horse batterY", against: hash))
        #expect(try !hasher.verify("x", against: "scrypt$10$8$1$garbage"))
        #expect(try hasher.hash("same") != (try hasher.hash("same")))
    }

    @Test func identifiersAreRandomVersion4UUIDsInLowerCase() throws {
        var seen = Set<String>()
        for _ in 0..<2000 {
            let id = Identifiers.uuid()
            let chars = Array(id)
            #expect(id.split(separator: "-", omittingEmptySubsequences: false).map(\.count) == [8, 4, 4, 4, 12])
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(chars[14] == "4" && "89ab".contains(chars[19]))
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
            seen.insert(id)
        }
        #expect(seen.count == 2000)
    }

    @Test(arguments: Engine.allCases) func loginIssuesATokenThatLogoutRevokes(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let agent = try desk.agent("alex")
        #expect(try service.login(username: "alex", password: "wrong password") == nil)
        #expect(try service.login(username: "nobody", password: "correct horse battery") == nil)
        let result = try #require(try service.login(username: "alex", password: "correct horse battery"))
        #expect(result.token.count >= 40)
        #expect(try service.authenticate(token: result.token)?.id == agent.id)
        #expect(try service.authenticate(token: result.token + "x") == nil)
        try service.revoke(token: result.token, of: agent)
        #expect(try service.authenticate(token: result.token) == nil)
    }

    /// Agents are kept in memory by token (TokenCache): a write through this service is seen
    /// by the next request at once; one by another process (the CLI) within a second.
    @Test(arguments: Engine.allCases) func theTokenCacheNeverOutlivesAWriteOfThisService(_ engine: Engine) throws {
        let clock = ManualClock()
        let desk = try Desk(engine, cacheClock: clock.cacheClock)
        let service = desk.service
        let agent = try desk.agent("alex")
        let token = try #require(try service.login(username: "alex", password: "correct horse battery")).token
        let admin = AuditEntry.Actor(id: "a-1", username: "root")
        #expect(try service.authenticate(token: token)?.presence == .offline)
        _ = try service.setPresence(agentId: agent.id, .online)
        #expect(try service.authenticate(token: token)?.presence == .online)
        _ = try service.updateAgent(id: agent.id, AgentPatch(displayName: "Alex R."), by: admin)
        #expect(try service.authenticate(token: token)?.displayName == "Alex R.")
        _ = try service.updateAgent(id: agent.id, AgentPatch(disabled: true), by: admin)
        #expect(try service.authenticate(token: token) == nil)

        // The same through a second service over the same store: another process.
        _ = try service.updateAgent(id: agent.id, AgentPatch(disabled: false), by: admin)
        let second = try #require(try service.login(username: "alex", password: "correct horse battery")).token
        #expect(try service.authenticate(token: second)?.id == agent.id)
        let other = ChatService(store: service.store)
        _ = try other.updateAgent(id: agent.id, AgentPatch(disabled: true), by: admin)
        // A write of this service that changes no account (a customer's message) keeps the
        // cache: the other process's change is seen when the second is over, not before.
        let (chat, session) = try desk.start()
        _ = try service.customerSend(chat.id, sessionId: session, content: "hello", quickReply: nil, clientMessageId: nil)
        #expect(try service.authenticate(token: second)?.id == agent.id)
        clock.advance(seconds: 1.1)
        #expect(try service.authenticate(token: second) == nil)
        // Unknown tokens are never kept: each one is looked up.
        #expect(try service.authenticate(token: second + "x") == nil)
    }

    @Test(arguments: Engine.allCases) func expiredTokensStopWorking(_ engine: Engine) throws {
        let desk = try Desk(engine, tokenTTLSeconds: -1)
        let service = desk.service
        _ = try desk.agent("alex")
        let result = try #require(try service.login(username: "alex", password: "correct horse battery"))
        #expect(try service.authenticate(token: result.token) == nil)
    }

    @Test(arguments: Engine.allCases) func usernamesAreUnique(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        _ = try desk.agent("alex")
        #expect(throws: AppError.self) { try desk.agent("alex") }
    }

    @Test(arguments: Engine.allCases) func ofManyConcurrentClaimersExactlyOneWins(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, _) = try desk.queued()
        let agents = try (0..<20).map { try desk.agent("claimer\($0)") }
        let outcomes = Counter()
        DispatchQueue.concurrentPerform(iterations: agents.count) { i in
            do {
                _ = try service.claim(chat.id, by: agents[i])
                outcomes.add("won")
            } catch let error as AppError where error.status == 409 {
                outcomes.add("lost")
            } catch {
                outcomes.add("error")
            }
        }
        #expect(outcomes["won"] == 1)
        #expect(outcomes["lost"] == 19)
        #expect(outcomes["error"] == 0)
        #expect(try desk.queueIds().isEmpty)
    }

    @Test(arguments: Engine.allCases) func releasePutsTheChatBackInTheQueue(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, _) = try desk.queued()
        let alex = try desk.agent("alex")
        let blake = try desk.agent("blake")
        _ = try service.claim(chat.id, by: alex)
        #expect(throws: AppError.self) { try service.release(chat.id, by: blake) }
        let released = try service.release(chat.id, by: alex)
        #expect(released.conversation.assignedAgentId == nil && released.conversation.status == .agent)
        #expect(try desk.queueIds() == [chat.id])
    }

    @Test(arguments: Engine.allCases) func agentReplyAssignsAnUnassignedChatAndOthersAreRefused(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, _) = try desk.queued()
        let alex = try desk.agent("alex")
        let blake = try desk.agent("blake")
        let (after, message) = try service.agentSend(chat.id, by: alex, content: "Hi!", clientMessageId: "a1")
        #expect(after.conversation.assignedAgentId == alex.id)
        #expect(after.conversation.hasAgentReplied)
        #expect(message.senderAgentId == alex.id)
        let (_, again) = try service.agentSend(chat.id, by: alex, content: "Hi!", clientMessageId: "a1")
        #expect(again.id == message.id)
        do {
            _ = try service.agentSend(chat.id, by: blake, content: "me too", clientMessageId: nil)
            Issue.record("a second agent replied into a held chat")
        } catch let error as AppError {
            #expect(error.status == 403)
        }
    }

    @Test(arguments: Engine.allCases) func autoRoutingAssignsTheLeastLoadedOnlineAgentUnderCapacity(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto)
        let service = desk.service
        let alex = try desk.agent("alex", capacity: 1, online: true)
        let blake = try desk.agent("blake", capacity: 2, online: true)
        let (first, _) = try desk.queued()
        let (second, _) = try desk.queued()
        let (third, _) = try desk.queued()
        let (fourth, _) = try desk.queued()
        let holders = [first, second, third].map(\.assignedAgentId)
        #expect(holders.filter { $0 == alex.id }.count == 1)
        #expect(holders.filter { $0 == blake.id }.count == 2)
        #expect(fourth.assignedAgentId == nil)
        #expect(try desk.queueIds() == [fourth.id])
    }

    @Test(arguments: Engine.allCases) func goingOnlineTakesWaitingChatsOldestFirstUpToCapacity(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto)
        let service = desk.service
        let alex = try desk.agent("alex", capacity: 2)
        let chats = try (0..<3).map { _ in try desk.queued().0 }
        #expect(chats.allSatisfy { $0.assignedAgentId == nil })
        let cursor = try service.latestEventId()
        let online = try service.setPresence(agentId: alex.id, .online)
        #expect(online.presence == .online)
        #expect(try desk.queueIds() == [chats[2].id])
        let names = try desk.eventNames(after: cursor)
        #expect(names.first == "agent.presence.changed")
        #expect(names.filter { $0 == "agent.assigned" }.count == 2)
        let mine = try service.conversations(ConversationQuery(status: .agent, assigned: .to(agentId: alex.id), order: .recentActivity, limit: 10))
        #expect(Set(mine.items.map(\.id)) == Set([chats[0].id, chats[1].id]))
    }

    @Test(arguments: Engine.allCases) func manualRoutingAlwaysQueuesAndAgentsStartOffline(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .manual)
        let service = desk.service
        let alex = try desk.agent("alex")
        #expect(alex.presence == .offline)
        _ = try service.setPresence(agentId: alex.id, .online)
        let (chat, _) = try desk.queued()
        #expect(chat.assignedAgentId == nil)
        #expect(try desk.queueIds().count == 1)
    }

    @Test(arguments: Engine.allCases) func seedingIsIdempotentAndResetsPasswordsOnlyWhenAsked(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let created = try DemoData.seedAccount(service, username: "admin", displayName: "Ada", role: .admin, password: nil)
        guard case .created(let password) = created else { Issue.record("not created"); return }
        #expect(try service.login(username: "admin", password: password) != nil)
        #expect(try DemoData.seedAccount(service, username: "admin", displayName: "Ada", role: .admin, password: nil) == .unchanged)
        #expect(try DemoData.seedAccount(service, username: "admin", displayName: "Ada", role: .admin, password: "new password 1") == .passwordReset(password: "new password 1"))
        #expect(try service.login(username: "admin", password: password) == nil)
        #expect(try service.importFAQs(demoFAQs, by: .cli).unchanged.count == demoFAQs.count)
        #expect(try service.faqs().count == demoFAQs.count)
    }

    @Test(arguments: Engine.allCases) func theQueuePagesAndCountsEveryWaitingChat(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let chats = try (0..<5).map { _ in try desk.queued().0.id }
        let page = try service.conversations(.queue(limit: 2, offset: 2), counted: true)
        #expect(page.items.map(\.id) == Array(chats[2..<4]))
        #expect(page.total == 5)
        #expect(try service.conversations(.queue(limit: 2, offset: 5), counted: true).items.isEmpty)
        #expect(try service.conversations(.queue(limit: 2)).total == nil)
    }
}
