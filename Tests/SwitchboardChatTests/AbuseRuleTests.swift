import Dispatch
import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// What keeps one client from taking the desk down or guessing its way in, on every engine.
struct AbuseRuleTests {
    @Test(arguments: Engine.allCases) func failedLoginsMakeUnknownClientsWaitButNeverLockOutAKnownOne(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        _ = try desk.agent("alex")
        #expect(try service.login(username: "alex", password: "correct horse battery", client: "10.0.0.9") != nil) // a known client
        for _ in 0..<5 {
            #expect(try service.login(username: "alex", password: "wrong password!", client: "10.6.6.6") == nil)
        }
        do {
            _ = try service.login(username: "alex", password: "correct horse battery", client: "10.6.6.7")
            Issue.record("an unknown client was not held back after 5 failures")
        } catch let error as AppError {
            #expect(error.status == 429 && error.code == "login_throttled" && error.retryAfter == 1)
        }
        // The agent's own machine still gets in, and that clears the record.
        #expect(try service.login(username: "alex", password: "correct horse battery", client: "10.0.0.9") != nil)
        #expect(try service.login(username: "alex", password: "wrong password!", client: "10.6.6.6") == nil) // counted from 1 again
    }

    @Test(arguments: Engine.allCases) func anUnknownUsernameIsThrottledExactlyLikeAKnownOne(_ engine: Engine) throws {
        let desk = try Desk(engine) // keeps its database until the test ends
        let service = desk.service
        for _ in 0..<5 { #expect(try service.login(username: "ghost", password: "whatever it is", client: "10.6.6.6") == nil) }
        #expect(throws: AppError.self) { try service.login(username: "ghost", password: "whatever it is", client: "10.6.6.6") }
    }

    @Test func backoffDoublesFromTheThresholdAndIsCapped() {
        let policy = ChatPolicy(loginFailuresBeforeBackoff: 5)
        #expect((1...9).map(policy.backoffSeconds(afterFailures:)) == [0, 0, 0, 0, 1, 2, 4, 8, 16])
        #expect(policy.backoffSeconds(afterFailures: 40) == 900)
    }

    @Test func aFullHashQueueRefusesAtOnceWithRetryAfter() throws {
        let hasher = PasswordHasher(logN: 16, maxConcurrent: 1, queue: 0)
        let hash = try hasher.hash("correct horse battery")
        let outcomes = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                _ = try hasher.verify("correct horse battery", against: hash)
                outcomes.add("checked")
            } catch let error as AppError where error.status == 503 && error.code == "busy" && error.retryAfter == 1 {
                outcomes.add("busy")
            } catch {
                outcomes.add("other")
            }
        }
        #expect(outcomes["checked"] >= 1)
        #expect(outcomes["busy"] >= 1)
        #expect(outcomes["other"] == 0)
    }

    @Test(arguments: Engine.allCases) func oneAddressMayHoldOnlySoManyOpenEscalations(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = ChatService(store: desk.service.store, routing: .manual, policy: ChatPolicy(maxOpenChatsPerAddress: 2))
        let agent = try desk.agent()
        var chats: [Conversation] = []
        for _ in 0..<2 {
            let (chat, session) = try desk.start()
            chats.append(try service.escalate(chat.id, sessionId: session, client: "192.0.2.1").conversation)
        }
        let (third, session) = try desk.start()
        #expect(throws: AppError(status: 429, code: "too_many_open_chats",
                                 detail: "There are already 2 open conversations with a person from your network; please continue in one of them.",
                                 retryAfter: 60)) {
            try service.escalate(third.id, sessionId: session, client: "192.0.2.1")
        }
        #expect(try service.escalate(third.id, sessionId: session, client: "198.51.100.7").conversation.status == .agent)
        _ = try service.claim(chats[0].id, by: agent)
        _ = try service.close(chats[0].id, by: agent)
        let (fourth, fourthSession) = try desk.start()
        #expect(try service.escalate(fourth.id, sessionId: fourthSession, client: "192.0.2.1").conversation.status == .agent)
    }

    @Test(arguments: Engine.allCases) func anAgentRetryIsCheckedForRightsAndStateBeforeIdempotency(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let (chat, _) = try desk.queued()
        let alex = try desk.agent("alex")
        let blake = try desk.agent("blake")
        _ = try service.agentSend(chat.id, by: alex, content: "Hi", clientMessageId: "m-1")
        do {
            _ = try service.agentSend(chat.id, by: blake, content: "Hi", clientMessageId: "m-1")
            Issue.record("another agent's retry got the original message")
        } catch let error as AppError {
            #expect(error.status == 403)
        }
        _ = try service.close(chat.id, by: alex)
        #expect(throws: AppError.conversationClosed) { try service.agentSend(chat.id, by: alex, content: "Hi", clientMessageId: "m-1") }
    }
}

/// Text limits that no spelling escapes: counted in Unicode scalars, capped in marks.
struct TextLimitTests {
    @Test func contentCountsScalarsNotGraphemes() throws {
        #expect(try Validate.content(String(repeating: "é", count: 4000)).unicodeScalars.count == 4000)
        let zalgoish = "a" + String(repeating: "\u{0301}", count: 15_000)
        #expect(zalgoish.count == 1) // one "character"…
        #expect(throws: AppError.self) { try Validate.content(zalgoish) } // …refused all the same
        #expect(throws: AppError.self) { try Validate.content("a" + String(repeating: "\u{0301}", count: 5)) }
        #expect(try Validate.content("Ệ") == "Ệ") // real accents pass
        #expect(try Validate.content("e\u{0302}\u{0323}") == "e\u{0302}\u{0323}")
    }

    @Test func namesAndPasswordsAreCappedInScalarsAndBytes() throws {
        #expect(throws: AppError.self) { try Validate.displayName("A" + String(repeating: "\u{0300}", count: 200)) }
        #expect(try Validate.displayName(String(repeating: "界", count: 80)).count == 80)
        #expect(throws: AppError.self) { try Validate.displayName(String(repeating: "界", count: 81)) }
        #expect(try Validate.password(String(repeating: "a", count: 256)).utf8.count == 256)
        #expect(throws: AppError.self) { try Validate.password(String(repeating: "a", count: 257)) }
        #expect(throws: AppError.self) { try Validate.password(String(repeating: "é", count: 129)) } // 258 bytes
    }
}

/// Control characters never reach the database (a NUL would cut text short on read-back).
struct ControlCharacterTests {
    @Test func controlCharactersAreRefusedButTabsAndLineBreaksAreText() throws {
        #expect(throws: AppError.self) { try Validate.content("a\u{0}b") }
        #expect(throws: AppError.self) { try Validate.displayName("Ann\u{0}Evil") }
        #expect(throws: AppError.self) { try Validate.displayName("Ann\u{1D}") }
        #expect(throws: AppError.self) { try Validate.email("a\u{0}@b.example") }
        #expect(throws: AppError.self) { try FAQRules.answer("x\u{0}y") }
        #expect(try Validate.content("line one\nline two\ttabbed\r\n") == "line one\nline two\ttabbed\r\n")
    }
}
