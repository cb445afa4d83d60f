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
        guard case .head(let head) = try #require(try channel.readOutbound(as: HTTPServerResponsePart.self)) else {
            throw ExpectationFailedError()
        }
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .body(.byteBuffer(let buffer)) = part { body += String(buffer: buffer) }
        }
        return (head, body, channel, reads)
    }

    /// The handler answered with something other than a response head first.
    struct ExpectationFailedError: Error {}

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

    @Test func theErrorBodyIsEscapedJSON() {
        #expect(NotifierJSON.error(detail: #"No route GET /a"b\c."#, code: "route_not_found")
                == #"{"detail":"No route GET /a\"b\\c.","code":"route_not_found"}"#)
        #expect(NotifierJSON.reset(lastEventId: 42) == #"{"last_event_id":42}"#)
    }
}
