import NIOCore
import SwitchboardCore

/// One SSE stream. Confined to the hub's event loop (hence unchecked Sendable: it is only
/// touched from that loop, including in the completion callbacks the hub schedules there).
final class Subscriber: @unchecked Sendable {
    let channel: any Channel
    let identity: Identity
    /// The highest event id written to this stream; nothing at or below it is sent again.
    var lastSent: Int64
    /// True while stored events are replayed; live events wait in `pending` meanwhile.
    var replaying: Bool
    var pending: [Frame] = []
    var lifetime: Scheduled<Void>?
    /// Frames were queued since the last flush.
    var needsFlush = false

    init(channel: any Channel, identity: Identity, lastSent: Int64, replaying: Bool) {
        self.channel = channel
        self.identity = identity
        self.lastSent = lastSent
        self.replaying = replaying
    }

    var id: ObjectIdentifier { ObjectIdentifier(channel) }

    /// Ends the stream: what is queued is written, then the connection closes, which is
    /// the end of a close-delimited body (nginx ends the client's response cleanly).
    func end() -> EventLoopFuture<Void> {
        let channel = self.channel
        return channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).flatMap {
            channel.close()
        }.recover { _ in }
    }

    /// Writes bytes; returns the flush future.
    @discardableResult
    func write(_ text: String) -> EventLoopFuture<Void> {
        write(channel.allocator.buffer(string: text))
    }

    /// Writes an already encoded frame (shared between subscribers: ByteBuffer is copy-on-write).
    @discardableResult
    func write(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        channel.writeAndFlush(buffer)
    }

    /// Queues a frame without flushing: a batch of live events leaves in one flush
    /// (one writev) per stream instead of one per event.
    func enqueue(_ buffer: ByteBuffer) {
        channel.write(buffer, promise: nil)
        needsFlush = true
    }

    /// Sends what `enqueue` queued.
    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        channel.flush()
    }
}

/// An event ready to send: its id (nil for ephemeral ones), where it may go, and its SSE text.
struct Frame {
    let id: Int64?
    let conversationId: String?
    /// Customers of `conversationId` may receive it.
    let forCustomer: Bool
    let forAgents: Bool
    /// Every customer stream may receive it (availability: no conversation is private to it).
    var forEveryCustomer = false
    /// Only this agent's streams may receive it (their own read cursor).
    var onlyAgentId: String? = nil
    let text: String

    static func persisted(id: Int64, name: String, conversationId: String?, forCustomer: Bool, data: String) -> Frame {
        // Availability is the widgets' news; the consoles read the team's presence instead.
        let everyCustomer = name == EventName.availabilityChanged.rawValue
        let onlyAgent = name == EventName.conversationRead.rawValue
            ? (try? WireJSON.decode(EventPayload.ConversationRead.self, from: data))?.agentId ?? "" : nil
        return Frame(id: id, conversationId: conversationId, forCustomer: forCustomer, forAgents: !everyCustomer,
              forEveryCustomer: everyCustomer, onlyAgentId: onlyAgent,
              text: "id: \(id)\nevent: \(name)\ndata: \(data)\n\n")
    }

    /// Whether an agent stream of `identity` may receive it.
    func reaches(_ identity: Identity) -> Bool {
        onlyAgentId.map { identity == .agent(agentId: $0) } ?? true
    }

    static func ephemeral(name: String, conversationId: String, forCustomer: Bool, data: String) -> Frame {
        Frame(id: nil, conversationId: conversationId, forCustomer: forCustomer, forAgents: true,
              text: "event: \(name)\ndata: \(data)\n\n")
    }
}
