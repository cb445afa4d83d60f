import NIOCore
import NIOEmbedded
import NIOHTTP1
import SwitchboardCore
import Testing
@testable import SwitchboardNotifier

/// The HTTP side: which requests get a stream, which get the JSON error, and how the
/// identity and the cursor are read from what nginx forwards.
struct SSEHandlerTests {
    /// Sends one request head through an `SSEHandler` and returns the response head, the
    /// body text written before the stream (errors) and the channel.
    func request(_ uri: String, method: HTTPMethod = .GET, headers: [(String, String)],
                 outbox: TestOutbox) throws -> (HTTPResponseHead, String, EmbeddedChannel, ManualReads) {
        let (hub, loop, reads) = try makeHub(outbox)
        let channel = EmbeddedChannel(handler: SSEHandler(hub: hub), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri,
                                                                            headers: HTTPHeaders(headers))))
        reads.runAll()
        // The handler writes the response as bytes (no encoder): read them back as nginx would.
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        let parts = text.components(separatedBy: "\r\n\r\n")
        guard parts.count >= 2 else { throw ExpectationFailedError(text: text) }
        var lines = parts[0].components(separatedBy: "\r\n")
        let status = lines.removeFirst().split(separator: " ", maxSplits: 2).map(String.init)
        guard status.count == 3, status[0] == "HTTP/1.1", let code = Int(status[1]) else { throw ExpectationFailedError(text: text) }
        let headers = lines.map { line -> (String, String) in
            let pair = line.split(separator: ":", maxSplits: 1).map(String.init)
            return (pair[0], pair.count > 1 ? String(pair[1].drop { $0 == " " }) : "")
        }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code, reasonPhrase: status[2]),
                                    headers: HTTPHeaders(headers))
        // Never chunked: a stream is close-delimited, an error has its length.
        #expect(head.headers["Transfer-Encoding"].isEmpty && head.headers["Connection"] == ["close"])
        return (head, parts.dropFirst().joined(separator: "\r\n\r\n"), channel, reads)
    }

    /// The handler's bytes were not an HTTP response.
    struct ExpectationFailedError: Error { let text: String }

    @Test func anAuthorizedStreamGetsTheEventStreamHeadAndReplaysFromTheQueryCursor() throws {
        let outbox = try makeOutbox()
        try outbox.append(count: 3, .messageCreated, .conversation, conversation: "c1")
        let (head, body, channel, _) = try request("/api/v1/events?conversation_id=c1&last_event_id=1",
                                                   headers: Identity.customer(conversationId: "c1").headers, outbox: outbox)
        #expect(head.status == .ok)
        #expect(head.headers["Content-Type"] == ["text/event-stream; charset=utf-8"])
        #expect(head.headers["Cache-Control"] == ["no-store"])
        #expect(head.headers["X-Accel-Buffering"] == ["no"])
        #expect(body.contains("id: 2\n") && body.contains("id: 3\n") && !body.contains("id: 1\n"))
        #expect(channel.isActive)
    }

    @Test func theLastEventIdHeaderWinsOverTheQuery() throws {
        let outbox = try makeOutbox()
        try outbox.append(count: 3, .messageCreated, .conversation, conversation: "c1")
        let (_, body, _, _) = try request("/api/v1/events?last_event_id=0",
                                          headers: Identity.agent(agentId: "a1").headers + [("Last-Event-ID", "2")], outbox: outbox)
        #expect(body.contains("id: 3\n") && !body.contains("id: 2\n"))
    }

    @Test(arguments: [
        ("/api/v1/other", HTTPMethod.GET, true, "404 Not Found", "route_not_found"),
        ("/api/v1/events", .POST, true, "405 Method Not Allowed", "method_not_allowed"),
        ("/api/v1/events", .GET, false, "401 Unauthorized", "unauthorized"),
        ("/api/v1/events?last_event_id=-1", .GET, true, "400 Bad Request", "invalid_last_event_id"),
        ("/api/v1/events?last_event_id=x", .GET, true, "400 Bad Request", "invalid_last_event_id"),
    ])
    func refusalsAreJSONErrorsAndNoStream(uri: String, method: HTTPMethod, identified: Bool, status: String, code: String) throws {
        let outbox = try makeOutbox()
        let headers = identified ? Identity.agent(agentId: "a1").headers : [(Identity.Header.identity, "admin")]
        let (head, body, channel, _) = try request(uri, method: method, headers: headers, outbox: outbox)
        #expect("\(head.status.code) \(head.status.reasonPhrase)" == status)
        #expect(head.headers["Content-Type"] == ["application/json"])
        #expect(head.headers["Content-Length"] == ["\(body.utf8.count)"])
        #expect(body.hasPrefix(#"{"detail":""#) && body.hasSuffix(#"","code":"\#(code)"}"#))
        #expect(!channel.isActive)
    }

    /// In the notifier's own pipeline the request decoder leaves once the stream starts
    /// (memory per idle stream); bytes that still arrive are dropped and the stream goes on.
    @Test func theDecoderLeavesOnceStreamingAndLaterBytesAreIgnored() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        try channel.pipeline.syncOperations.addHandler(SSEHandler(hub: hub))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let headers = Identity.agent(agentId: "a1").headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        try channel.writeInbound(channel.allocator.buffer(string: "GET /api/v1/events HTTP/1.1\r\nHost: n\r\n\(headers)\r\n"))
        reads.runAll()
        loop.run() // the decoder's removal completes once its decode loop has returned
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        }
        try channel.writeInbound(channel.allocator.buffer(string: "GET /again HTTP/1.1\r\n\r\ngarbage"))
        try outbox.append(.messageCreated, .agents, conversation: "c1")
        hub.tail()
        reads.runAll()
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        #expect(text.hasPrefix(SSEHandler.streamHead) && text.contains("event: message.created\n"))
        #expect(channel.isActive)
    }

    @Test func theErrorBodyIsEscapedJSON() {
        #expect(NotifierJSON.error(detail: #"No route GET /a"b\c."#, code: "route_not_found")
                == #"{"detail":"No route GET /a\"b\\c.","code":"route_not_found"}"#)
        #expect(NotifierJSON.reset(lastEventId: 42) == #"{"last_event_id":42}"#)
    }
}
