import NIOCore
import GRDB
import NIOEmbedded
import SwitchboardCore
import Testing
@testable import SwitchboardNotifier

/// The hub against a real SQLite outbox, on an embedded loop whose outbox reads run when
/// the test says so: resume, filters, slow streams, resets and typing, deterministically.
struct HubTests {
    @Test func replayThenLiveDeliversEveryIdOnceInOrderWithCommitsDuringTheReplay() throws {
        let outbox = try makeOutbox()
        // Two and a half replay batches already stored.
        try outbox.append(count: 25, .messageCreated, .conversation, conversation: "c1")
        let (hub, loop, reads) = try makeHub(outbox, batch: 10)
        let stream = try StreamProbe(loop: loop)
        hub.subscribe(stream.channel, identity: .agent(agentId: "a1"), resumeFrom: 0)

        // Between every two reads a commit lands and a wake-up arrives, so the live tail and
        // the replay read overlapping rows, and the replay ends while live frames wait.
        for _ in 0..<40 {
            try outbox.append(count: 3, .messageCreated, .conversation, conversation: "c1")
            hub.receive(.wake)
            reads.runNext()
        }
        reads.runAll()
        try outbox.append(count: 2, .conversationUpdated, .conversation, conversation: "c1")
        hub.tail()
        reads.runAll()

        let latest = try outbox.reader.latestEventId()
        let ids = try stream.ids()
        #expect(duplicates(ids) == [])
        #expect(ids == Array(1...latest))
        #expect(try !stream.events().contains { $0.event == "reset" })
    }

    @Test func aCustomerGetsOnlyItsConversationsCustomerEventsReplayedAndLive() throws {
        let outbox = try makeOutbox()
        var mine: [Int64] = []
        mine.append(try outbox.append(.messageCreated, .conversation, conversation: "mine"))
        try outbox.append(.messageCreated, .conversation, conversation: "theirs")
        try outbox.append(.queueChatCreated, .agents, conversation: "mine")
        try outbox.append(.agentPresenceChanged, .agents, conversation: nil)
        mine.append(try outbox.append(.conversationUpdated, .conversation, conversation: "mine"))
        let (hub, loop, reads) = try makeHub(outbox)
        let customer = try StreamProbe(loop: loop), agent = try StreamProbe(loop: loop), other = try StreamProbe(loop: loop)
        hub.subscribe(customer.channel, identity: .customer(conversationId: "mine"), resumeFrom: 0)
        hub.subscribe(agent.channel, identity: .agent(agentId: "a1"), resumeFrom: 0)
        hub.subscribe(other.channel, identity: .customer(conversationId: "nobody"), resumeFrom: nil)
        reads.runAll()

        try outbox.append(.messageCreated, .conversation, conversation: "theirs")
        try outbox.append(.queueChatClaimed, .agents, conversation: "mine")
        mine.append(try outbox.append(.chatClosed, .conversation, conversation: "mine"))
        try outbox.append(.agentPresenceChanged, .agents, conversation: nil)
        hub.tail()
        reads.runAll()

        #expect(try customer.ids() == mine)
        #expect(try customer.events().allSatisfy { $0.data?.contains(#""conversation_id":"mine""#) == true })
        #expect(try agent.ids() == Array(1...9))
        #expect(try other.ids() == [])
    }

    /// A customer's logout ends the streams of that one sign-in (after the event), not the
    /// same customer's other device on the same conversation, nor an anonymous stream.
    @Test func aCustomerSessionsRevocationEndsOnlyItsOwnStreams() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        let laptop = try StreamProbe(loop: loop), phone = try StreamProbe(loop: loop), agent = try StreamProbe(loop: loop)
        hub.subscribe(laptop.channel, identity: .customer(conversationId: "c1", sessionId: "s-laptop"), resumeFrom: nil)
        hub.subscribe(phone.channel, identity: .customer(conversationId: "c1", sessionId: "s-phone"), resumeFrom: nil)
        hub.subscribe(agent.channel, identity: .agent(agentId: "a1"), resumeFrom: nil)
        reads.runAll()
        try outbox.writer.write { db in
            try db.execute(sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, 'agents', NULL, ?, 0)",
                           arguments: [EventName.customerSessionRevoked.rawValue, #"{"session_id":"s-laptop"}"#])
        }
        hub.tail()
        reads.runAll()
        loop.run()
        #expect(try laptop.events().map(\.event) == ["customer.session_revoked"])
        #expect(!laptop.channel.isActive)
        #expect(phone.channel.isActive)
        #expect(try phone.events().isEmpty)
        #expect(agent.channel.isActive)
    }

    /// A read cursor is the reader's own news: their other tabs hear it, nobody else, live
    /// or replayed, and the cursor of the others still moves past it.
    @Test func aReadReachesOnlyTheAgentWhoRead() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        let mine = try StreamProbe(loop: loop), other = try StreamProbe(loop: loop), customer = try StreamProbe(loop: loop)
        hub.subscribe(mine.channel, identity: .agent(agentId: "a1"), resumeFrom: nil)
        hub.subscribe(other.channel, identity: .agent(agentId: "a2"), resumeFrom: nil)
        hub.subscribe(customer.channel, identity: .customer(conversationId: "c1"), resumeFrom: nil)
        reads.runAll()
        try outbox.append(.conversationRead(conversationId: "c1", agentId: "a1", upToMessageId: "m1"))
        let last = try outbox.append(.chatClosed(conversationId: "c1", closedAt: .now(), canRate: false))
        hub.tail()
        reads.runAll()
        #expect(try mine.events().map(\.event) == ["conversation.read", "chat.closed"])
        #expect(try other.events().map(\.event) == ["chat.closed"])
        #expect(try customer.events().map(\.event) == ["chat.closed"])

        let replayed = try StreamProbe(loop: loop), replayedMine = try StreamProbe(loop: loop)
        hub.subscribe(replayed.channel, identity: .agent(agentId: "a2"), resumeFrom: 0)
        hub.subscribe(replayedMine.channel, identity: .agent(agentId: "a1"), resumeFrom: 0)
        reads.runAll()
        #expect(try replayed.events().map(\.id) == [last])
        #expect(try replayedMine.events().map(\.event) == ["conversation.read", "chat.closed"])
    }

    /// Availability is every widget's news, not the consoles'.
    @Test func availabilityReachesEveryCustomerStreamAndNoAgent() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        let one = try StreamProbe(loop: loop), two = try StreamProbe(loop: loop), agent = try StreamProbe(loop: loop)
        hub.subscribe(one.channel, identity: .customer(conversationId: "c1"), resumeFrom: nil)
        hub.subscribe(two.channel, identity: .customer(conversationId: "c2", sessionId: "s2"), resumeFrom: nil)
        hub.subscribe(agent.channel, identity: .agent(agentId: "a1"), resumeFrom: nil)
        reads.runAll()
        try outbox.append(.availabilityChanged, .conversation, conversation: ChatEvent.everyConversation)
        hub.tail()
        reads.runAll()
        #expect(try one.events().map(\.event) == ["availability.changed"])
        #expect(try two.events().map(\.event) == ["availability.changed"])
        #expect(try agent.events().isEmpty)
    }

    @Test func aStreamThatCannotTakeMoreIsClosed() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        let slow = try StreamProbe(loop: loop), fine = try StreamProbe(loop: loop)
        hub.subscribe(slow.channel, identity: .agent(agentId: "slow"), resumeFrom: nil)
        hub.subscribe(fine.channel, identity: .agent(agentId: "fine"), resumeFrom: nil)
        slow.channel.isWritable = false

        let id = try outbox.append(.messageCreated, .conversation, conversation: "c1")
        hub.tail()
        reads.runAll()

        #expect(!slow.channel.isActive)
        #expect(try slow.ids() == [])
        #expect(fine.channel.isActive)
        #expect(try fine.ids() == [id])
    }

    /// The replay has not read yet, so every live frame waits; one more than the limit closes.
    @Test(arguments: [3, 4])
    func aStreamWhoseLiveBacklogOverflowsWhileReplayingIsClosed(liveEvents: Int) throws {
        let outbox = try makeOutbox()
        try outbox.append(count: 5, .messageCreated, .conversation, conversation: "c1")
        let (hub, loop, reads) = try makeHub(outbox, maxPending: 3)
        let stream = try StreamProbe(loop: loop)
        hub.subscribe(stream.channel, identity: .agent(agentId: "a1"), resumeFrom: 0)
        try outbox.append(count: liveEvents, .messageCreated, .conversation, conversation: "c1")
        hub.tail()

        #expect(reads.runNext())   // the cursor check; it queues the first replay read
        #expect(reads.runNext())   // the tail: live frames for a stream still replaying
        reads.runAll()

        if liveEvents > 3 {
            #expect(!stream.channel.isActive)
        } else {
            #expect(stream.channel.isActive)
            let ids = try stream.ids()
            #expect(duplicates(ids) == [])
            #expect(ids == Array(1...Int64(5 + liveEvents)))
        }
    }

    @Test func aCursorBeyondTheNewestEventGetsResetThenLiveEvents() throws {
        let outbox = try makeOutbox()
        try outbox.append(count: 3, .messageCreated, .conversation, conversation: "c1")
        let (hub, loop, reads) = try makeHub(outbox)
        let beyond = try StreamProbe(loop: loop), current = try StreamProbe(loop: loop)
        hub.subscribe(beyond.channel, identity: .customer(conversationId: "c1"), resumeFrom: 999)
        hub.subscribe(current.channel, identity: .customer(conversationId: "c1"), resumeFrom: 3)
        reads.runAll()
        let live = try outbox.append(.messageCreated, .conversation, conversation: "c1")
        hub.tail()
        reads.runAll()

        let frames = try beyond.events()
        #expect(frames.first == SSEFrame(id: nil, event: "reset", data: #"{"last_event_id":3}"#))
        #expect(frames.dropFirst().map(\.id) == [live])
        #expect(try current.events().map(\.event) == ["message.created"])
        #expect(try current.ids() == [live])
    }

    /// Events 1–5 are pruned (too old), 6 and 7 stay: a cursor before 5 has a gap.
    @Test(arguments: [(Int64(0), true), (2, true), (4, true), (5, false), (6, false)])
    func aCursorOlderThanTheRetainedEventsGetsReset(cursor: Int64, reset: Bool) throws {
        let outbox = try makeOutbox()
        try outbox.append(count: 5, .messageCreated, .conversation, conversation: "c1",
                          createdAt: Timestamp.now().adding(seconds: -10 * 86400))
        try outbox.append(count: 2, .messageCreated, .conversation, conversation: "c1")
        let (hub, loop, reads) = try makeHub(outbox)
        // The hub's own prune runs 5 s after start (the retention is three days).
        loop.advanceTime(by: .seconds(5))
        reads.runAll()
        #expect(try outbox.reader.oldestEventId() == 6)

        let stream = try StreamProbe(loop: loop)
        hub.subscribe(stream.channel, identity: .customer(conversationId: "c1"), resumeFrom: cursor)
        reads.runAll()

        let frames = try stream.events()
        if reset {
            // Nothing old is replayed after a reset: the client refetches over REST.
            #expect(frames == [SSEFrame(id: nil, event: "reset", data: #"{"last_event_id":7}"#)])
        } else {
            #expect(frames.map(\.id) == Array(max(cursor + 1, 6)...7).map { Optional($0) })
        }
    }

    @Test func typingIsEphemeralAndCustomersHearOnlyTheAgent() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        let customer = try StreamProbe(loop: loop), stranger = try StreamProbe(loop: loop), agent = try StreamProbe(loop: loop)
        hub.subscribe(customer.channel, identity: .customer(conversationId: "c1"), resumeFrom: nil)
        hub.subscribe(stranger.channel, identity: .customer(conversationId: "c2"), resumeFrom: nil)
        hub.subscribe(agent.channel, identity: .agent(agentId: "a1"), resumeFrom: nil)

        hub.receive(.typing(name: .customerTyping, conversationId: "c1", data: #"{"typing":true}"#))
        hub.receive(.typing(name: .agentTyping, conversationId: "c1", data: #"{"typing":false}"#))

        #expect(try customer.events() == [SSEFrame(id: nil, event: "agent.typing", data: #"{"typing":false}"#)])
        #expect(try agent.events() == [SSEFrame(id: nil, event: "customer.typing", data: #"{"typing":true}"#),
                                       SSEFrame(id: nil, event: "agent.typing", data: #"{"typing":false}"#)])
        #expect(try stranger.events() == [])
        #expect(reads.count == 0, "typing never reads the outbox")

        // Typing leaves the resume cursor alone: the next stored event still arrives.
        let id = try outbox.append(.messageCreated, .conversation, conversation: "c1")
        hub.tail()
        reads.runAll()
        #expect(try customer.ids() == [id])
        #expect(try agent.ids() == [id])
    }

    @Test func everyStreamStartsWithThePreambleAndShutdownEndsItAfterWhatWasQueued() throws {
        let outbox = try makeOutbox()
        let (hub, loop, _) = try makeHub(outbox)
        let streams = try (0..<3).map { _ in try StreamProbe(loop: loop) }
        for (n, stream) in streams.enumerated() {
            hub.subscribe(stream.channel, identity: .agent(agentId: "a\(n)"), resumeFrom: nil)
        }
        var ended = false
        hub.endAll().assumeIsolated().whenComplete { _ in ended = true }
        loop.run()

        #expect(ended)
        for stream in streams {
            let preamble = try #require(try stream.frames().first)
            #expect(preamble.comments.first == "connected")
            #expect((2000..<5000).contains(preamble.retry ?? 0))
            #expect(stream.ended)
            #expect(!stream.channel.isActive)
        }
    }
}
