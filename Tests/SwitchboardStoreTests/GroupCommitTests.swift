import Dispatch
import Foundation
import Synchronization
import Testing
import SwitchboardChat
import SwitchboardCore
import SwitchboardStore

/// Group commit: many writes share one durable commit, and nothing about a single write's
/// guarantees changes.
struct GroupCommitTests {
    /// Records every batch's size as the store reports it (after the commit returned,
    /// before the batch's callers are woken).
    final class Batches: Sendable {
        let sizes = Mutex<[Int]>([])
        func add(_ size: Int) { sizes.withLock { $0.append(size) } }
        var all: [Int] { sizes.withLock { $0 } }
    }

    func store(_ db: TempDatabase, _ batches: Batches) throws -> SQLiteStore {
        try SQLiteStore(path: db.path("test.sqlite"), commitObserver: { size, _ in batches.add(size) })
    }

    @Test func sixtyFourConcurrentWritersEachStoredOnceInGapFreeCommitOrder() throws {
        let db = try TempDatabase()
        let batches = Batches()
        let store = try store(db, batches)
        let service = ChatService(store: store, routing: .manual, hasher: PasswordHasher(logN: 10, maxConcurrent: 2))
        let agents = try (0..<4).map { try service.createAgent(username: "agent\($0)", password: "correct horse battery", displayName: "A\($0)") }
        let chats = try (0..<16).map { _ in try service.start(sessionId: nil, forceNew: false, displayName: nil, email: "shopper@example.com") }
        let before = try store.latestEventId()
        let acknowledged = Mutex<[String]>([])
        let claimed = Mutex<[String: Int]>([:])
        onThreads(64) { i in
            let chat = chats[i % chats.count]
            do {
                switch i % 4 {
                case 0:
                    _ = try service.escalate(chat.conversation.id, sessionId: chat.sessionId)
                case 1:
                    let sent = try service.customerSend(chat.conversation.id, sessionId: chat.sessionId, content: "message \(i)",
                                                        quickReply: nil, clientMessageId: "c-\(i)")
                    acknowledged.withLock { $0.append(sent.customerMessage.id) }
                    // Visible to another connection when the answer comes back: the commit happened.
                    let page = try service.messages(chat.conversation.id, access: .customer(sessionId: chat.sessionId), after: nil, limit: 1000)
                    #expect(page.messages.contains { $0.id == sent.customerMessage.id })
                case 2:
                    _ = try service.claim(chat.conversation.id, by: agents[(i / 16) % agents.count]) // 4 agents per chat
                    claimed.withLock { $0[chat.conversation.id, default: 0] += 1 }
                default:
                    _ = try service.customerSend(chat.conversation.id, sessionId: chat.sessionId, content: "again \(i)",
                                                 quickReply: nil, clientMessageId: "c-\(i - 2)") // a retry of case 1
                }
            } catch let error as AppError where [403, 409].contains(error.status) {
                // Lost claims (409) and claims of a chat that is not escalated yet are expected.
            } catch {
                Issue.record("write \(i) failed: \(error)")
            }
        }
        // Every acknowledged message is stored exactly once.
        for chat in chats {
            let messages = try service.messages(chat.conversation.id, access: .customer(sessionId: chat.sessionId), after: nil, limit: 1000).messages
            let ids = messages.compactMap(\.clientMessageId)
            #expect(ids.count == Set(ids).count, "a client_message_id stored twice")
        }
        let stored = try store.events(after: 0, limit: 100_000)
        #expect(stored.map(\.id) == Array((stored.first?.id ?? 1)...(stored.last?.id ?? 0)), "event ids have a gap")
        #expect(try store.latestEventId() > before)
        #expect(acknowledged.withLock { $0.count } == 16)
        // Each chat has at most one holder: claims never both win.
        #expect(claimed.withLock { $0.values.allSatisfy { $0 == 1 } })
        let sizes = batches.all
        #expect(sizes.reduce(0, +) >= 64 + 4 + 16, "every write went through a batch")
        #expect(sizes.contains { $0 > 1 }, "no batch formed under 64 concurrent writers: \(sizes.prefix(20))")
    }

    /// Batches grow with the writers in flight: 128 threads writing back to back (as many
    /// as the worker's FastCGI threads may be) share commits of more than 32 writes. The
    /// writes are small ones, so that what is measured is the committer and not the cost of
    /// a message (in the worker a batch also ends after `maxBatchTime`: with writes of
    /// ~0.4 ms that, not the thread count, is what bounds a batch; DESIGN.md, "Writes").
    /// Counted, not timed.
    @Test func batchesGrowPastThirtyTwoUnderOneHundredTwentyEightWriters() throws {
        let db = try TempDatabase()
        let batches = Batches()
        let store = try store(db, batches)
        let service = ChatService(store: store, routing: .manual, hasher: PasswordHasher(logN: 10, maxConcurrent: 2))
        let agents = try (0..<8).map { try service.createAgent(username: "agent\($0)", password: "correct horse battery", displayName: "A\($0)") }
        let first = batches.all.count
        onThreads(128) { i in
            for _ in 0..<16 {
                do {
                    try store.write { rows in try rows.setLastSeen(agentId: agents[i % agents.count].id, at: .now()) }
                } catch {
                    Issue.record("write \(i) failed: \(error)")
                }
            }
        }
        let sizes = Array(batches.all.dropFirst(first))
        #expect(sizes.reduce(0, +) == 128 * 16, "every write went through exactly one batch")
        #expect(sizes.max() ?? 0 > 32, "the largest batch under 128 writers: \(sizes.max() ?? 0) (\(sizes.count) batches)")
    }

    /// No caller is held past the commit of its own write while others keep writing. (The
    /// leader used to keep committing until the queue was empty: under steady load its own
    /// caller waited for the whole burst; the bench saw one POST take 34 s, nginx a 504.)
    /// Counted in batches, not timed: a caller returns within a few commits of its own.
    @Test func noCallerWaitsPastItsOwnCommitWhileOthersKeepWriting() throws {
        let db = try TempDatabase()
        let committed = Atomic<Int>(0)
        let store = try SQLiteStore(path: db.path("test.sqlite"), commitObserver: { _, _ in committed.add(1, ordering: .relaxed) })
        try store.migrate()
        let service = ChatService(store: store, routing: .manual, hasher: PasswordHasher(logN: 10, maxConcurrent: 2))
        let chats = try (0..<16).map { _ in try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil) }
        let worst = Atomic<Int>(0)
        onThreads(16) { i in
            let chat = chats[i]
            for n in 0..<60 {
                do {
                    // The batches committed before this write's own: it is in the next one (or a later one).
                    let before = committed.load(ordering: .relaxed)
                    _ = try service.customerSend(chat.conversation.id, sessionId: chat.sessionId, content: "m \(n)",
                                                 quickReply: nil, clientMessageId: nil)
                    let lag = committed.load(ordering: .relaxed) - before
                    _ = worst.max(lag, ordering: .relaxed)
                } catch {
                    Issue.record("write failed: \(error)")
                }
            }
        }
        // 16 writers: a write can wait for the batch in progress, its own, and a few more that
        // other leaders committed before this thread was scheduled again; never for dozens.
        #expect(worst.load(ordering: .relaxed) <= 12, "a caller waited \(worst.load(ordering: .relaxed)) batches")
        #expect(committed.load(ordering: .relaxed) < 16 * 60, "no batch formed")
    }

    @Test func aWriteWhoseRulesFailRollsBackOnlyItselfInItsBatch() throws {
        let db = try TempDatabase()
        let batches = Batches()
        let store = try store(db, batches)
        let service = ChatService(store: store, routing: .manual)
        let chat = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        let outcomes = Mutex<[Bool]>([])
        onThreads(20) { i in
            do {
                if i % 2 == 0 {
                    _ = try service.customerSend(chat.conversation.id, sessionId: chat.sessionId, content: "ok \(i)", quickReply: nil, clientMessageId: nil)
                } else {
                    // Half of the writes fail their rules after writing nothing visible.
                    _ = try service.customerSend(chat.conversation.id, sessionId: chat.sessionId, content: nil, quickReply: "no-such-faq",
                                                 clientMessageId: nil)
                }
                outcomes.withLock { $0.append(true) }
            } catch {
                outcomes.withLock { $0.append(false) }
            }
        }
        #expect(outcomes.withLock { $0.filter { $0 }.count } == 10)
        let texts = try service.messages(chat.conversation.id, access: .customer(sessionId: chat.sessionId), after: nil, limit: 100)
            .messages.filter { $0.senderType == .customer }.map(\.content)
        #expect(texts.count == 10 && texts.allSatisfy { $0.hasPrefix("ok ") })
    }

    @Test func aLoneWriteCommitsAtOnceInABatchOfOne() throws {
        let db = try TempDatabase()
        let batches = Batches()
        let store = try store(db, batches)
        let service = ChatService(store: store)
        _ = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        #expect(batches.all == [1])
    }
}

/// Runs `body(i)` on `count` threads of their own that start together (GCD would run only
/// as many at once as there are cores, and the writes would hardly ever meet).
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let start = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for i in 0..<count {
        done.enter()
        Thread {
            start.wait()
            body(i)
            done.leave()
        }.start()
    }
    for _ in 0..<count { start.signal() }
    done.wait()
}
