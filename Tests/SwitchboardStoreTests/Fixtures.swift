import Foundation
import SwitchboardCore
import SwitchboardStore

/// A store on a fresh SQLite file in a temporary directory (real WAL database, migrated, FAQs seeded).
func makeStore(routing: RoutingMode = .manual, tokenTTLSeconds: Int64 = 3600,
               onEventsCommitted: @escaping @Sendable () -> Void = {}) throws -> Store {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let store = try Store(path: dir + "/test.sqlite", routing: routing, tokenTTLSeconds: tokenTTLSeconds,
                          hasher: PasswordHasher(logN: 10, maxConcurrent: 4), onEventsCommitted: onEventsCommitted)
    try store.migrate()
    try DemoData.seedFAQs(store)
    return store
}

func makeAgent(_ store: Store, _ username: String = "agent-\(UUID().uuidString.prefix(8).lowercased())",
               role: AgentRole = .agent, capacity: Int = 5, online: Bool = false) throws -> Agent {
    try store.createAgent(username: username, password: "correct horse battery", displayName: username.capitalized,
                          role: role, maxActiveChats: capacity, startOnline: online)
}

/// Starts a conversation and returns it with its session id.
func startChat(_ store: Store) throws -> (Conversation, String) {
    let result = try store.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
    return (result.conversation, result.sessionId)
}

/// Starts and escalates a conversation.
func queuedChat(_ store: Store) throws -> (Conversation, String) {
    let (chat, session) = try startChat(store)
    let (escalated, _) = try store.escalate(chat.id, sessionId: session)
    return (escalated, session)
}

/// Event names after `cursor`, oldest first.
func eventNames(_ store: Store, after cursor: Int64 = 0) throws -> [String] {
    try store.events(after: cursor).map(\.name)
}

/// A thread-safe counter for concurrency tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]
    func add(_ key: String) { lock.lock(); values[key, default: 0] += 1; lock.unlock() }
    subscript(key: String) -> Int { lock.lock(); defer { lock.unlock() }; return values[key] ?? 0 }
}
