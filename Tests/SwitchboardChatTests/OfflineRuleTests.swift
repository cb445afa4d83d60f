import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Nobody online, after hours: offline messages, the out-of-office reply, e-mail queued in
/// the same transaction as its cause, and presence that follows the agents' streams.
struct OfflineRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")

    static var mail: ChatPolicy {
        var policy = ChatPolicy()
        policy.mailEnabled = true
        policy.unseenReplySeconds = 600
        policy.presenceGraceSeconds = 120
        policy.mailRetrySeconds = 30
        policy.offlineMailDelaySeconds = 0
        return policy
    }

    /// Opening hours that exclude now (an hour a day, starting two hours from now, UTC).
    func closeTheShop(_ desk: Desk, hideWhenClosed: Bool = false) throws {
        let start = (Calendar(identifier: .gregorian).component(.hour, from: Date()) + 2) % 24
        let range = #"[["\#(String(format: "%02d", start)):00","\#(String(format: "%02d", start)):59"]]"#
        let days = AvailabilitySettings.weekdays.map { #""\#($0)":\#(range)"# }.joined(separator: ",")
        let patch = try WireJSON.decode(SettingsPatch.self, from: #"""
            {"notify_email":"shop@example.com","availability":{"timezone":"UTC","hours":{\#(days)},"away_message":"Back at 9.","hide_when_closed":\#(hideWhenClosed)}}
            """#)
        _ = try desk.service.updateSettings(patch, by: Self.admin)
    }

    func notify(_ desk: Desk, _ email: String) throws {
        _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: #"{"notify_email":"\#(email)"}"#), by: Self.admin)
    }

    /// The replaced system always queued the chat: with nobody online and no e-mail yet the
    /// escalation still succeeds, says it needs a contact, and e-mails the shop only once the
    /// shopper gives an address, whenever that is; a second address sends nothing more.
    @Test(arguments: Engine.allCases) func nobodyOnlineQueuesTheChatAndMailsTheShopOnceAnAddressComes(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto, policy: Self.mail)
        try notify(desk, "shop@example.com")
        let (chat, session) = try desk.start(email: nil)
        let result = try desk.service.escalate(chat.id, sessionId: session, message: "Where is my parcel?")
        #expect(result.offline && result.needsContact)
        #expect(result.conversation.status == .agent && result.conversation.assignedAgentId == nil && result.conversation.offline)
        #expect(result.message?.content == BotText.offline(email: nil, byMail: true))
        #expect(try desk.queueIds() == [chat.id])
        #expect(try desk.service.emails(conversationId: chat.id).isEmpty)

        // A retried escalation still says a contact is missing.
        #expect(try desk.service.escalate(chat.id, sessionId: session).needsContact)

        _ = try desk.service.setContact(chat.id, sessionId: session, email: "jamie@example.com", name: "Jamie", source: .offline)
        let emails = try desk.service.emails(conversationId: chat.id)
        #expect(emails.map(\.recipient) == ["shop@example.com"])
        #expect(emails.allSatisfy { $0.kind == .offlineMessage && $0.replyTo == "jamie@example.com" })
        #expect(emails.first?.body.contains("Where is my parcel?") == true)
        let again = try desk.service.escalate(chat.id, sessionId: session)
        #expect(again.offline && !again.needsContact)

        _ = try desk.service.setContact(chat.id, sessionId: session, email: "jamie@example.org", name: nil, source: .offline)
        #expect(try desk.service.emails(conversationId: chat.id).count == 1)

        // An agent coming online is given the waiting chat (auto routing).
        let agent = try desk.agent()
        _ = try desk.service.setPresence(agentId: agent.id, .online)
        #expect(try desk.service.conversation(chat.id, access: .agent(agent)).assignedAgentId == agent.id)
    }

    @Test(arguments: Engine.allCases) func anOfflineMessageWaitsInTheQueueAndReachesTheShopOnce(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto, policy: Self.mail)
        try notify(desk, "shop@example.com")
        let opted = try desk.agent()
        _ = try desk.service.updateProfile(opted, ProfilePatch(email: .some("alex@example.com"), emailNotifications: true))
        _ = try desk.agent() // no e-mail: not notified
        let (chat, session) = try desk.start(email: nil)
        _ = try desk.service.setContact(chat.id, sessionId: session, email: "jamie@example.com", name: "Jamie", source: .offline)
        let result = try desk.service.escalate(chat.id, sessionId: session, message: "My order NW-4471 has not arrived.")
        #expect(result.offline)
        #expect(result.conversation.status == .agent && result.conversation.offline && result.conversation.assignedAgentId == nil)
        #expect(result.message?.content == BotText.offline(email: "jamie@example.com", byMail: true))
        let messages = try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 50).messages
        #expect(messages.map(\.senderType) == [.bot, .customer, .system])
        #expect(messages[1].content == "My order NW-4471 has not arrived.")
        #expect(try desk.queueIds() == [chat.id])

        let emails = try desk.service.emails(conversationId: chat.id)
        #expect(emails.map(\.recipient) == ["shop@example.com", "alex@example.com"])
        #expect(emails.allSatisfy { $0.kind == .offlineMessage && $0.state == .pending && $0.replyTo == "jamie@example.com" })
        #expect(emails[0].body.contains("My order NW-4471 has not arrived."))
        #expect(emails[0].body.contains("Jamie <jamie@example.com>"))

        // A repeat (a retried request) stores nothing again and sends nothing again.
        let again = try desk.service.escalate(chat.id, sessionId: session, message: "My order NW-4471 has not arrived.")
        #expect(again.offline && again.message == nil)
        #expect(try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 50).messages.count == 3)
        #expect(try desk.service.emails(conversationId: chat.id).count == 2)
    }

    @Test(arguments: Engine.allCases) func withoutSMTPNothingIsQueued(_ engine: Engine) throws {
        let desk = try Desk(engine)
        try notify(desk, "shop@example.com")
        let (chat, session) = try desk.queued()
        #expect(try desk.service.conversation(chat.id, access: .customer(sessionId: session)).offline)
        #expect(try desk.service.emails(conversationId: chat.id).isEmpty)
        #expect(throws: AppError.conflict("This shop does not send e-mail.", code: "email_unavailable")) {
            try desk.service.requestTranscript(chat.id, sessionId: session, email: nil)
        }
        #expect(try desk.service.availability().emailEnabled == false)
    }

    @Test(arguments: Engine.allCases) func outsideTheHoursEvenAnOnlineAgentIsNotAssignedAnOfflineMessage(_ engine: Engine) throws {
        let desk = try Desk(engine, routing: .auto, policy: Self.mail)
        try closeTheShop(desk)
        _ = try desk.agent(online: true)
        #expect(try desk.service.availability().status == .closed)
        let (chat, session) = try desk.start()
        let result = try desk.service.escalate(chat.id, sessionId: session)
        #expect(result.offline && result.conversation.assignedAgentId == nil)
        #expect(try desk.queueIds() == [chat.id])
    }

    @Test(arguments: Engine.allCases) func theAwayMessageAnswersOutsideTheHoursOnceADayAndNotRightAfterAnAgent(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        try closeTheShop(desk)
        let (chat, session) = try desk.queued()
        func autoReplies() throws -> Int {
            try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100).messages
                .count { $0.metadata?.event == "auto_reply" }
        }
        _ = try desk.service.customerSend(chat.id, sessionId: session, content: "hello?", quickReply: nil, clientMessageId: nil)
        #expect(try autoReplies() == 1)
        let last = try #require(try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 100).messages.last)
        #expect(last.senderType == .system && last.content == "Back at 9.")
        _ = try desk.service.customerSend(chat.id, sessionId: session, content: "anyone?", quickReply: nil, clientMessageId: nil)
        #expect(try autoReplies() == 1)

        // An agent answered a moment ago: no "we're away" right after it.
        let (other, otherSession) = try desk.queued()
        let agent = try desk.agent()
        _ = try desk.service.agentSend(other.id, by: agent, content: "I'm here after all.", clientMessageId: nil)
        _ = try desk.service.customerSend(other.id, sessionId: otherSession, content: "great", quickReply: nil, clientMessageId: nil)
        #expect(try desk.service.messages(other.id, access: .customer(sessionId: otherSession), after: nil, limit: 100).messages
            .allSatisfy { $0.metadata?.event != "auto_reply" })
    }

    @Test(arguments: Engine.allCases) func theTranscriptGoesOutOnceWhenTheChatCloses(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        let agent = try desk.agent(online: true)
        let (chat, session) = try desk.start(email: nil)
        #expect(throws: AppError.conflict("Give the e-mail address the transcript should go to.", code: "contact_required")) {
            try desk.service.requestTranscript(chat.id, sessionId: session, email: nil)
        }
        let asked = try desk.service.requestTranscript(chat.id, sessionId: session, email: "robin@example.com")
        #expect(asked.when == .onClose && asked.email == "robin@example.com")
        _ = try desk.service.escalate(chat.id, sessionId: session)
        _ = try desk.service.agentSend(chat.id, by: agent, content: "Your refund is on its way.", clientMessageId: nil)
        #expect(try desk.service.emails(conversationId: chat.id).allSatisfy { $0.kind != .transcript })
        _ = try desk.service.close(chat.id, by: agent)
        var transcripts = try desk.service.emails(conversationId: chat.id).filter { $0.kind == .transcript }
        #expect(transcripts.count == 1)
        // It carries the reply: the unseen-reply e-mail for it is not needed any more.
        #expect(try desk.service.emails(conversationId: chat.id).filter { $0.kind == .unseenReply }.map(\.state) == [.cancelled])
        #expect(transcripts.first?.recipient == "robin@example.com")
        #expect(transcripts.first?.body.contains("Your refund is on its way.") == true)
        #expect(transcripts.first?.body.contains(BotText.closed) == true)
        // Asking again after the close sends nothing new.
        #expect(try desk.service.requestTranscript(chat.id, sessionId: session, email: nil).when == .queued)
        transcripts = try desk.service.emails(conversationId: chat.id).filter { $0.kind == .transcript }
        #expect(transcripts.count == 1)
    }

    @Test(arguments: Engine.allCases) func anUnseenReplyIsMailedOnlyWhenTheShopperDidNotSeeIt(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        let agent = try desk.agent(online: true)
        func reply(_ stream: Bool?, customerWritesBack: Bool = false) throws -> OutgoingEmail.State? {
            let (chat, session) = try desk.queued()
            if let stream {
                try desk.service.store.write { try $0.setStreamPresence(.conversation(chat.id), open: stream, at: Timestamp.now().adding(seconds: -1)) }
            }
            _ = try desk.service.agentSend(chat.id, by: agent, content: "Here is your answer.", clientMessageId: nil)
            _ = try desk.service.agentSend(chat.id, by: agent, content: "And one more thing.", clientMessageId: nil)
            if customerWritesBack {
                _ = try desk.service.customerSend(chat.id, sessionId: session, content: "thanks", quickReply: nil, clientMessageId: nil)
            }
            let waiting = try desk.service.emails(conversationId: chat.id).filter { $0.kind == .unseenReply }
            #expect(waiting.count == 1 && waiting.first?.state == .waiting)
            #expect(try desk.service.decideUnseenReplies(now: .now()) == 0) // not yet
            _ = try desk.service.decideUnseenReplies(now: Timestamp.now().adding(seconds: 601))
            let decided = try desk.service.emails(conversationId: chat.id).first { $0.kind == .unseenReply }
            if decided?.state == .pending {
                #expect(decided?.recipient == "shopper@example.com")
                #expect(decided?.body.contains("Here is your answer.") == true && decided?.body.contains("And one more thing.") == true)
            }
            return decided?.state
        }
        #expect(try reply(nil) == .pending)            // no widget stream ever
        #expect(try reply(false) == .pending)          // its stream closed before the reply
        #expect(try reply(true) == .cancelled)         // the widget was open
        #expect(try reply(nil, customerWritesBack: true) == .cancelled)
    }

    /// A reply the shopper saw must not cancel a later one they did not: the widget was open
    /// for the first reply, closed, then a second reply came. The e-mail waits for the second
    /// reply's own delay and carries only it.
    @Test(arguments: Engine.allCases) func aReplySeenEarlierDoesNotCancelALaterUnseenOne(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        let agent = try desk.agent(online: true)
        let (chat, _) = try desk.queued()
        let start = Timestamp.now()
        try desk.service.store.write { try $0.setStreamPresence(.conversation(chat.id), open: true, at: start) }
        _ = try desk.service.agentSend(chat.id, by: agent, content: "First answer, seen.", clientMessageId: nil)
        try desk.service.store.write { try $0.setStreamPresence(.conversation(chat.id), open: false, at: Timestamp.now()) }
        // The second reply, a little later than the widget closing.
        var later = Timestamp.now()
        while later <= (try desk.service.store.read { try $0.streamPresence(.conversation(chat.id)) })!.changedAt { later = .now() }
        _ = try desk.service.agentSend(chat.id, by: agent, content: "Second answer, unseen.", clientMessageId: nil)
        let replies = try desk.service.messages(chat.id, access: .agent(agent), after: nil, limit: 50).messages
            .filter { $0.senderType == .agent }
        let (first, second) = (try #require(replies.first), try #require(replies.last))

        // Due for the first reply, not yet for the second: still waiting, now for the second.
        _ = try desk.service.decideUnseenReplies(now: first.createdAt.adding(seconds: 600))
        var email = try #require(try desk.service.emails(conversationId: chat.id).first { $0.kind == .unseenReply })
        #expect(email.state == .waiting && email.notBefore == second.createdAt.adding(seconds: 600))

        _ = try desk.service.decideUnseenReplies(now: second.createdAt.adding(seconds: 601))
        email = try #require(try desk.service.emails(conversationId: chat.id).first { $0.kind == .unseenReply })
        #expect(email.state == .pending)
        #expect(email.body.contains("Second answer, unseen.") && !email.body.contains("First answer, seen."))
        #expect(email.subject.hasSuffix("answered your message"))
    }

    /// The widget's form posts the shopper's words after the escalation: the shop's e-mail
    /// waits `offlineMailDelaySeconds` and is written again when the sender takes it, so
    /// those words are in it.
    @Test(arguments: Engine.allCases) func theShopsEmailCarriesWhatTheShopperWroteRightAfterAsking(_ engine: Engine) throws {
        var policy = Self.mail
        policy.offlineMailDelaySeconds = 10
        let desk = try Desk(engine, policy: policy)
        try notify(desk, "shop@example.com")
        let (chat, session) = try desk.start(email: "jamie@example.com")
        let now = Timestamp.now()
        #expect(try desk.service.escalate(chat.id, sessionId: session).offline)
        _ = try desk.service.customerSend(chat.id, sessionId: session, content: "My parcel NW-4471 never came.", quickReply: nil,
                                          clientMessageId: nil)
        #expect(try desk.service.claimEmails(now: now.adding(seconds: 5)).isEmpty) // still settling
        let claimed = try desk.service.claimEmails(now: now.adding(seconds: 11))
        #expect(claimed.count == 1)
        #expect(claimed.first?.body.contains("My parcel NW-4471 never came.") == true)
        #expect(try desk.service.emails(conversationId: chat.id).first?.body.contains("NW-4471") == true)
    }

    @Test(arguments: Engine.allCases) func theSenderLeasesRetriesWithBackoffAndGivesUp(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        try notify(desk, "shop@example.com")
        let (chat, _) = try desk.queued()
        let now = Timestamp.now()
        let claimed = try desk.service.claimEmails(now: now, limit: 10, leaseSeconds: 120)
        #expect(claimed.count == 1 && claimed[0].state == .sending && claimed[0].attempts == 1)
        #expect(try desk.service.claimEmails(now: now).isEmpty) // leased
        #expect(try desk.service.emailFailed(claimed[0], error: "connection refused", permanent: false, now: now) == .pending)
        #expect(try desk.service.claimEmails(now: now.adding(seconds: 29)).isEmpty) // backing off
        let second = try desk.service.claimEmails(now: now.adding(seconds: 31))
        #expect(second.map(\.attempts) == [2])
        // A sender that died while sending: the lease runs out and another one takes it.
        let third = try desk.service.claimEmails(now: now.adding(seconds: 31 + 121))
        #expect(third.map(\.attempts) == [3])
        try desk.service.emailSent(third[0])
        #expect(try desk.service.claimEmails(now: now.adding(seconds: 86_400)).isEmpty)
        let stored = try desk.service.emails(conversationId: chat.id)
        #expect(stored.map(\.state) == [.sent] && stored[0].sentAt != nil)

        // A refused recipient is final.
        let (other, _) = try desk.queued()
        let later = Timestamp.now()
        let refused = try desk.service.claimEmails(now: later)
        try #require(refused.count == 1)
        #expect(try desk.service.emailFailed(refused[0], error: "550 no such user", permanent: true, now: later) == .failed)
        #expect(try desk.service.emails(conversationId: other.id).map(\.state) == [.failed])
        #expect(ChatPolicy().mailBackoffSeconds(afterAttempts: 1) == 30 && ChatPolicy().mailBackoffSeconds(afterAttempts: 3) == 120)
        #expect(ChatPolicy().mailBackoffSeconds(afterAttempts: 15) == 3600)
    }

    @Test(arguments: Engine.allCases) func presenceFollowsTheConsoleStreams(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        let alex = try desk.agent("alex", online: true)
        let robin = try desk.agent("robin", online: true) // a REST client: never had a stream
        let store = desk.service.store
        let opened = Timestamp.now()
        try store.write { try $0.setStreamPresence(.agent(alex.id), open: true, at: opened) }
        #expect(try desk.service.sweepPresence(now: opened.adding(seconds: 3600)).isEmpty) // open: stays online
        let closed = opened.adding(seconds: 10)
        try store.write { try $0.setStreamPresence(.agent(alex.id), open: false, at: closed) }
        #expect(try desk.service.sweepPresence(now: closed.adding(seconds: 119)).isEmpty) // within the grace period
        let cursor = try desk.service.latestEventId()
        let gone = try desk.service.sweepPresence(now: closed.adding(seconds: 121))
        #expect(gone.map(\.id) == [alex.id] && gone[0].presence == .offline && gone[0].awaySince == closed)
        // (and availability, announced with the change: here one agent fewer online)
        #expect(try desk.eventNames(after: cursor) == ["agent.presence.changed", "availability.changed"])
        #expect(try desk.service.agent(username: "robin")?.presence == .online)
        #expect(try desk.service.availability().agentsOnline == 1)

        // Back at the console: online again, away cleared.
        try store.write { try $0.setStreamPresence(.agent(alex.id), open: true, at: closed.adding(seconds: 500)) }
        let back = try desk.service.sweepPresence(now: closed.adding(seconds: 501))
        #expect(back.map(\.presence) == [.online] && back[0].awaySince == nil)

        // Online again by hand after the console closed: kept, like a REST client's.
        try store.write { try $0.setStreamPresence(.agent(alex.id), open: false, at: closed.adding(seconds: 600)) }
        #expect(try desk.service.sweepPresence(now: closed.adding(seconds: 900)).map(\.presence) == [.offline])
        _ = try desk.service.setPresence(agentId: alex.id, .online)
        #expect(try desk.service.sweepPresence(now: closed.adding(seconds: 9000)).isEmpty)

        // Someone who went offline by hand stays offline when a console opens.
        _ = try desk.service.setPresence(agentId: robin.id, .offline)
        try store.write { try $0.setStreamPresence(.agent(robin.id), open: true, at: .now()) }
        #expect(try desk.service.sweepPresence().isEmpty)
    }

    @Test(arguments: Engine.allCases) func anAgentSetsTheirOwnEmail(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let agent = try desk.agent()
        #expect(throws: AppError.badRequest("email_notifications: give an e-mail address first.", code: "invalid_email")) {
            try desk.service.updateProfile(agent, ProfilePatch(emailNotifications: true))
        }
        #expect(throws: AppError.self) { try desk.service.updateProfile(agent, ProfilePatch(email: .some("a@b.c>, x@y.z"))) }
        let set = try desk.service.updateProfile(agent, ProfilePatch(email: .some("alex@example.com"), emailNotifications: true))
        #expect(set.email == "alex@example.com" && set.emailNotifications)
        let cleared = try desk.service.updateProfile(agent, ProfilePatch(email: .some(nil)))
        #expect(cleared.email == nil && !cleared.emailNotifications)
    }
}
