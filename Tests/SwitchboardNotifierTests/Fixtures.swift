import Foundation
import GRDB
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SwitchboardChat
import SwitchboardCore
import SwitchboardNotifier
import SwitchboardStore
import Testing

extension SQLiteStore: OutboxReader {}
extension ChatService: StreamAuthorizer {}

/// The real SQLite outbox on a temporary file, removed with this value. `reader` is what
/// the hub reads; `append` writes rows with plain SQL on a second connection, as the
/// worker's commits would appear to the notifier.
final class TestOutbox: @unchecked Sendable {
    let reader: any OutboxReader
    /// The chat service over the same file: it issues real credentials, and its `listener`
    /// is the check the notifier runs for every stream.
    let service: ChatService
    private let directory: String
    let writer: DatabaseQueue

    init(store: SQLiteStore, directory: String, databasePath: String) throws {
        reader = store
        service = ChatService(store: store, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        self.directory = directory
        writer = try DatabaseQueue(path: databasePath)
    }

    /// A signed-in agent: its id and a live bearer token.
    func agent(_ username: String = "alex") throws -> (id: String, token: String) {
        if try service.agent(username: username) == nil {
            _ = try service.createAgent(username: username, password: "correct horse battery", displayName: username.capitalized)
        }
        let login = try #require(try service.login(username: username, password: "correct horse battery"))
        return (login.agent.id, login.token)
    }

    /// An anonymous customer's new conversation and the session that owns it.
    func customer() throws -> (conversationId: String, sessionId: String) {
        let started = try service.start(sessionId: nil, forceNew: true, displayName: nil, email: nil)
        return (started.conversation.id, started.sessionId)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Appends one event in its own commit and returns its id.
    @discardableResult
    func append(_ name: EventName, _ audience: EventAudience, conversation: String?, createdAt: Timestamp = .now()) throws -> Int64 {
        try append(count: 1, name, audience, conversation: conversation, createdAt: createdAt)[0]
    }

    /// Appends one event with its real payload in its own commit and returns its id.
    @discardableResult
    func append(_ event: ChatEvent) throws -> Int64 {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [event.name.rawValue, event.audience.rawValue, event.conversationId, try event.payload(),
                                       Timestamp.now().milliseconds])
            return db.lastInsertedRowID
        }
    }

    /// Appends `count` events in one commit (ids in order) and returns their ids.
    @discardableResult
    func append(count: Int, _ name: EventName, _ audience: EventAudience, conversation: String?,
                createdAt: Timestamp = .now()) throws -> [Int64] {
        try writer.write { db in
            try (0..<count).map { n in
                let data = try WireJSON.string(TestPayload(conversationId: conversation, n: n))
                try db.execute(sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [name.rawValue, audience.rawValue, conversation, data, createdAt.milliseconds])
                return db.lastInsertedRowID
            }
        }
    }
}

/// The one place the tests open the real store: a migrated SQLite file in a fresh
/// temporary directory (deleted when the returned outbox goes away).
func makeOutbox() throws -> TestOutbox {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-notifier-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory + "/outbox.sqlite"
    let store = try SQLiteStore(path: path)
    try store.migrate()
    return try TestOutbox(store: store, directory: directory, databasePath: path)
}

/// Outbox reads that run only when the test says so, in the order it chooses: the way to
/// commit events while a replay is between two reads, without timing.
final class ManualReads: BlockingReads, @unchecked Sendable {
    /// Each entry runs its work and returns what completes its future with the result.
    private var queued: [() -> () -> Void] = []

    func run<T: Sendable>(completingOn loop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        let promise = loop.makePromise(of: T.self)
        queued.append {
            let result = Result { try work() }
            return { promise.completeWith(result) }
        }
        return promise.futureResult
    }

    var count: Int { queued.count }

    /// Runs the oldest queued read (its completion runs at once on the embedded loop and
    /// may queue the next read). False when none was queued.
    @discardableResult
    func runNext() -> Bool {
        guard !queued.isEmpty else { return false }
        queued.removeFirst()()()
        return true
    }

    /// Runs the oldest queued read's work now but holds its answer until the returned
    /// closure is called: what a read saw and when its answer arrives, pulled apart.
    func runNextHoldingItsAnswer() -> () -> Void {
        queued.removeFirst()()
    }

    /// Runs reads until none is queued, including those that running them queues.
    func runAll() {
        while runNext() {}
    }
}

/// A hub on an embedded loop, with manual reads, over `outbox`; started (cursor = newest id).
func makeHub(_ outbox: TestOutbox, batch: Int = 500, maxPending: Int = 5000) throws -> (Hub, EmbeddedEventLoop, ManualReads) {
    let loop = EmbeddedEventLoop()
    let reads = ManualReads()
    var logger = Logger(label: "test.hub")
    logger.logLevel = .warning
    let hub = Hub(loop: loop, outbox: outbox.reader, reads: reads, config: Config(), logger: logger,
                  batch: batch, maxPending: maxPending)
    try hub.start()
    return (hub, loop, reads)
}

/// Ids that occur more than once, in order of their second occurrence.
func duplicates(_ ids: [Int64]) -> [Int64] {
    var seen = Set<Int64>()
    return ids.filter { !seen.insert($0).inserted }
}

/// One frame of an SSE stream as a client parses it.
struct SSEFrame: Equatable {
    var id: Int64?
    var event: String?
    var data: String?
    var retry: Int?
    var comments: [String] = []
}

/// An open stream: an active embedded channel whose outbound HTTP parts are read back as
/// SSE frames.
final class StreamProbe {
    let channel: EmbeddedChannel
    private var text = ""
    private(set) var ended = false

    init(loop: EmbeddedEventLoop) throws {
        channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// Every complete frame written so far (the `: connected` preamble included). The hub
    /// writes a stream's bytes as they go on the wire (a close-delimited body); the stream has
    /// ended when the hub closed the connection.
    func frames() throws -> [SSEFrame] {
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        if !channel.isActive { ended = true }
        return text.components(separatedBy: "\n\n").dropLast().map { block in
            var frame = SSEFrame()
            for line in block.split(separator: "\n") {
                if line.hasPrefix(":") { frame.comments.append(String(line.dropFirst().drop { $0 == " " })) }
                else if line.hasPrefix("id: ") { frame.id = Int64(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { frame.data = String(line.dropFirst(6)) }
                else if line.hasPrefix("retry: ") { frame.retry = Int(line.dropFirst(7)) }
            }
            return frame
        }
    }

    /// The ids of the stored events received, in order.
    func ids() throws -> [Int64] { try frames().compactMap(\.id) }

    /// The named events received (no preamble, no heartbeats).
    func events() throws -> [SSEFrame] { try frames().filter { $0.event != nil } }
}

/// The data of a test event: which conversation, and its number in the batch.
struct TestPayload: Codable {
    var conversationId: String?
    var n: Int
    enum CodingKeys: String, CodingKey { case conversationId = "conversation_id", n }
}
