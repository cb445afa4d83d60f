import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore
import SwitchboardTestSupport
import SwitchboardStore

/// Expects `body` to throw the AppError `code` (with `reason`, when given); the detail is prose.
func refused(_ code: String, reason: String? = nil, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected \(code) \(reason ?? ""), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as AppError {
        #expect(error.code == code && (reason == nil || error.reason == reason), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The engines every rule test runs on: the same test, both stores.
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, memory
    var testDescription: String { rawValue }
}

/// What the rule tests read back besides the service: the outbox.
protocol EventLog: Sendable {
    func events(after cursor: Int64, conversationId: String?, limit: Int) throws -> [StoredEvent]
}
extension SQLiteStore: EventLog {}
extension MemoryStore: EventLog {}

/// A chat service over a fresh store of `engine` (SQLite: a real WAL file in a temporary
/// directory that is removed when the fixture goes away), FAQs seeded.
final class Desk: @unchecked Sendable {
    let service: ChatService
    let log: any EventLog
    private let directory: String?

    /// `policy`: e.g. with `mailEnabled`, as if SMTP were configured (e-mails are queued).
    init(_ engine: Engine, routing: RoutingMode = .manual, tokenTTLSeconds: Int64 = 3600, policy: ChatPolicy = ChatPolicy(),
         cacheClock: CacheClock = .system, resolver: WebhookResolver? = nil,
         onEventsCommitted: @escaping @Sendable () -> Void = {}) throws {
        let store: any ChatStore & EventLog
        switch engine {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-chat-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let sqlite = try SQLiteStore(path: dir + "/test.sqlite", onEventsCommitted: onEventsCommitted)
            try sqlite.migrate()
            store = sqlite
            directory = dir
        case .memory:
            store = MemoryStore(onEventsCommitted: onEventsCommitted)
            directory = nil
        }
        log = store
        var service = ChatService(store: store, routing: routing, tokenTTLSeconds: tokenTTLSeconds,
                                  hasher: PasswordHasher(logN: 10, maxConcurrent: 4), policy: policy, cacheClock: cacheClock)
        if let resolver { service.webhookResolver = resolver }
        self.service = service
        _ = try service.importFAQs(demoFAQs, by: .cli)
    }

    deinit {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    func agent(_ username: String = "agent-\(UUID().uuidString.prefix(8).lowercased())",
               role: AgentRole = .agent, capacity: Int = 5, online: Bool = false) throws -> Agent {
        try service.createAgent(username: username, password: "correct horse battery", displayName: username.capitalized,
                                role: role, maxActiveChats: capacity, startOnline: online)
    }

    /// Starts a conversation and returns it with its session id. The shopper gives an
    /// e-mail address by default, so asking for a person works whether or not anyone is
    /// online (nobody online files an offline message).
    func start(email: String? = "shopper@example.com") throws -> (Conversation, String) {
        let result = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: email)
        return (result.conversation, result.sessionId)
    }

    /// The customer writes `text`.
    func say(_ chat: Conversation, _ session: String, _ text: String) throws {
        _ = try service.customerSend(chat.id, sessionId: session, content: text, quickReply: nil, clientMessageId: nil)
    }

    /// Starts and escalates a conversation.
    func queued() throws -> (Conversation, String) {
        let (chat, session) = try start()
        return (try service.escalate(chat.id, sessionId: session).conversation, session)
    }

    /// Event names after `cursor`, oldest first.
    func eventNames(after cursor: Int64 = 0) throws -> [String] {
        try log.events(after: cursor, conversationId: nil, limit: 500).map(\.name)
    }

    func queueIds() throws -> [String] {
        try service.conversations(.queue(limit: 200)).items.map(\.id)
    }
}

/// A thread-safe counter for concurrency tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]
    func add(_ key: String) { lock.lock(); values[key, default: 0] += 1; lock.unlock() }
    subscript(key: String) -> Int { lock.lock(); defer { lock.unlock() }; return values[key] ?? 0 }
}

/// The demo shop's FAQ file, as `switchboard seed` imports it.
let demoFAQs: [FAQInput] = {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/switchboard/demo-faqs.json").standardized
    return try! DemoData.readFAQs([UInt8](try! Data(contentsOf: file)))
}()

/// A clock a test moves by hand, for the caches' lifetimes (no sleeping through a TTL).
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var nanoseconds: UInt64 = 1_000_000_000

    var cacheClock: CacheClock { CacheClock { [self] in lock.withLock { nanoseconds } } }

    func advance(seconds: Double) {
        lock.withLock { nanoseconds += UInt64(seconds * 1_000_000_000) }
    }
}
