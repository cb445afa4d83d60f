import Dispatch
import Foundation
import Testing
import SwitchboardCore
import SwitchboardStore

struct AgentStoreTests {
    @Test func passwordsAreScryptHashedAndVerifiedInConstantTime() throws {
        let hasher = PasswordHasher(logN: 10)
        let hash = try hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("scrypt$10$8$1$"))
        #expect(!hash.contains("correct"))
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(!hasher.verify("x", against: "scrypt$10$8$1$garbage"))
        #expect(try hasher.hash("same") != (try hasher.hash("same")))
    }

    @Test func loginIssuesATokenThatLogoutRevokes() throws {
        let store = try makeStore()
        let agent = try makeAgent(store, "alex")
        #expect(try store.login(username: "alex", password: "wrong password") == nil)
        #expect(try store.login(username: "nobody", password: "correct horse battery") == nil)
        let result = try #require(try store.login(username: "alex", password: "correct horse battery"))
        #expect(result.token.count >= 40)
        #expect(try store.authenticate(token: result.token)?.id == agent.id)
        #expect(try store.authenticate(token: result.token + "x") == nil)
        try store.revoke(token: result.token)
        #expect(try store.authenticate(token: result.token) == nil)
    }

    @Test func expiredTokensStopWorking() throws {
        let store = try makeStore(tokenTTLSeconds: -1)
        _ = try makeAgent(store, "alex")
        let result = try #require(try store.login(username: "alex", password: "correct horse battery"))
        #expect(try store.authenticate(token: result.token) == nil)
    }

    @Test func usernamesAreUnique() throws {
        let store = try makeStore()
        _ = try makeAgent(store, "alex")
        #expect(throws: AppError.self) { try makeAgent(store, "alex") }
    }

    @Test func ofManyConcurrentClaimersExactlyOneWins() throws {
        let store = try makeStore()
        let (chat, _) = try queuedChat(store)
        let agents = try (0..<20).map { try makeAgent(store, "claimer\($0)") }
        let outcomes = Counter()
        DispatchQueue.concurrentPerform(iterations: agents.count) { i in
            do {
                _ = try store.claim(chat.id, by: agents[i])
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
        #expect(try store.queue().items.isEmpty)
    }

    @Test func releasePutsTheChatBackInTheQueue() throws {
        let store = try makeStore()
        let (chat, _) = try queuedChat(store)
        let alex = try makeAgent(store, "alex")
        let blake = try makeAgent(store, "blake")
        _ = try store.claim(chat.id, by: alex)
        #expect(throws: AppError.self) { try store.release(chat.id, by: blake) }
        let released = try store.release(chat.id, by: alex)
        #expect(released.assignedAgentId == nil && released.status == .agent)
        #expect(try store.queue().items.map(\.0.id) == [chat.id])
    }

    @Test func agentReplyAssignsAnUnassignedChatAndOthersAreRefused() throws {
        let store = try makeStore()
        let (chat, _) = try queuedChat(store)
        let alex = try makeAgent(store, "alex")
        let blake = try makeAgent(store, "blake")
        let (after, message) = try store.agentSend(chat.id, by: alex, content: "Hi!", clientMessageId: "a1")
        #expect(after.assignedAgentId == alex.id)
        #expect(after.hasAgentReplied)
        #expect(message.senderAgentId == alex.id)
        let (_, again) = try store.agentSend(chat.id, by: alex, content: "Hi!", clientMessageId: "a1")
        #expect(again.id == message.id)
        do {
            _ = try store.agentSend(chat.id, by: blake, content: "me too", clientMessageId: nil)
            Issue.record("a second agent replied into a held chat")
        } catch let error as AppError {
            #expect(error.status == 403)
        }
    }

    @Test func autoRoutingAssignsTheLeastLoadedOnlineAgentUnderCapacity() throws {
        let store = try makeStore(routing: .auto)
        let alex = try makeAgent(store, "alex", capacity: 1, online: true)
        let blake = try makeAgent(store, "blake", capacity: 2, online: true)
        let (first, _) = try queuedChat(store)
        let (second, _) = try queuedChat(store)
        let (third, _) = try queuedChat(store)
        let (fourth, _) = try queuedChat(store)
        let holders = [first, second, third].map(\.assignedAgentId)
        #expect(holders.filter { $0 == alex.id }.count == 1)
        #expect(holders.filter { $0 == blake.id }.count == 2)
        #expect(fourth.assignedAgentId == nil)
        #expect(try store.queue().items.map(\.0.id) == [fourth.id])
    }

    @Test func goingOnlineTakesWaitingChatsOldestFirstUpToCapacity() throws {
        let store = try makeStore(routing: .auto)
        let alex = try makeAgent(store, "alex", capacity: 2)
        let chats = try (0..<3).map { _ in try queuedChat(store).0 }
        #expect(chats.allSatisfy { $0.assignedAgentId == nil })
        let cursor = try store.latestEventId()
        let online = try store.setPresence(agentId: alex.id, .online)
        #expect(online.presence == .online)
        #expect(try store.queue().items.map(\.0.id) == [chats[2].id])
        let names = try eventNames(store, after: cursor)
        #expect(names.first == "agent.presence.changed")
        #expect(names.filter { $0 == "agent.assigned" }.count == 2)
        let mine = try store.agentConversations(for: alex, status: .agent, assigned: .me, limit: 10, before: nil)
        #expect(Set(mine.items.map(\.0.id)) == Set([chats[0].id, chats[1].id]))
    }

    @Test func manualRoutingAlwaysQueuesAndAgentsStartOffline() throws {
        let store = try makeStore(routing: .manual)
        let alex = try makeAgent(store, "alex")
        #expect(alex.presence == .offline)
        _ = try store.setPresence(agentId: alex.id, .online)
        let (chat, _) = try queuedChat(store)
        #expect(chat.assignedAgentId == nil)
        #expect(try store.queue().items.count == 1)
    }

    @Test func seedingIsIdempotentAndResetsPasswordsOnlyWhenAsked() throws {
        let store = try makeStore()
        let created = try DemoData.seedAccount(store, username: "admin", displayName: "Ada", role: .admin, password: nil)
        guard case .created(let password) = created else { Issue.record("not created"); return }
        #expect(try store.login(username: "admin", password: password) != nil)
        #expect(try DemoData.seedAccount(store, username: "admin", displayName: "Ada", role: .admin, password: nil) == .unchanged)
        #expect(try DemoData.seedAccount(store, username: "admin", displayName: "Ada", role: .admin, password: "new password 1") == .passwordReset(password: "new password 1"))
        #expect(try store.login(username: "admin", password: password) == nil)
        try DemoData.seedFAQs(store)
        #expect(try store.faqs().count == DemoData.faqs.count)
    }
}
