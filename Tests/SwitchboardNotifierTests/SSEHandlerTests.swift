import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SwitchboardChat
import SwitchboardCore
import Testing
@testable import SwitchboardNotifier

/// The HTTP side: which requests get a stream, which get the JSON error, and how the
/// credentials (checked by the chat service's own `listener`, over a real SQLite file) and
/// the cursor are read from what nginx forwards.
struct SSEHandlerTests {
    /// Sends one request head through an `SSEHandler` and returns the response head, the
    /// body text written before the stream (errors) and the channel.
    func request(_ uri: String, method: HTTPMethod = .GET, headers: [(String, String)],
                 outbox: TestOutbox) throws -> (HTTPResponseHead, String, EmbeddedChannel, ManualReads) {
        let (hub, loop, reads) = try makeHub(outbox)
        let channel = try send(uri, method: method, headers: headers, to: hub, loop: loop, outbox: outbox)
        reads.runAll()
        let (head, body) = try response(channel)
        return (head, body, channel, reads)
    }

    /// A channel with a handler of `hub` that got the head of a request (its check not run yet).
    func send(_ uri: String, method: HTTPMethod = .GET, headers: [(String, String)], to hub: Hub, loop: EmbeddedEventLoop,
              outbox: TestOutbox) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: SSEHandler(hub: hub, authorizer: outbox.service), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri,
                                                                            headers: HTTPHeaders(headers))))
        return channel
    }

    /// The response head and the body text written so far.
    func response(_ channel: EmbeddedChannel) throws -> (HTTPResponseHead, String) {
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
        return (head, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// The handler's bytes were not an HTTP response.
    struct ExpectationFailedError: Error { let text: String }

    @Test func anAuthorizedStreamGetsTheEventStreamHeadAndReplaysFromTheQueryCursor() throws {
        let outbox = try makeOutbox()
        let customer = try outbox.customer()
        let ids = try outbox.append(count: 3, .messageCreated, .conversation, conversation: customer.conversationId)
        let (head, body, channel, _) = try request("/api/v1/events?conversation_id=\(customer.conversationId)&last_event_id=\(ids[0])",
                                                   headers: [("X-Customer-Session-Id", customer.sessionId)], outbox: outbox)
        #expect(head.status == .ok)
        #expect(head.headers["Content-Type"] == ["text/event-stream; charset=utf-8"])
        #expect(head.headers["Cache-Control"] == ["no-store"])
        #expect(head.headers["X-Accel-Buffering"] == ["no"])
        #expect(body.contains("id: \(ids[1])\n") && body.contains("id: \(ids[2])\n") && !body.contains("id: \(ids[0])\n"))
        #expect(channel.isActive)
    }

    @Test func theLastEventIdHeaderWinsOverTheQuery() throws {
        let outbox = try makeOutbox()
        let agent = try outbox.agent()
        let ids = try outbox.append(count: 3, .messageCreated, .conversation, conversation: "c1")
        let (_, body, _, _) = try request("/api/v1/events?last_event_id=0",
                                          headers: [("Authorization", "Bearer \(agent.token)"), ("Last-Event-ID", "\(ids[1])")],
                                          outbox: outbox)
        #expect(body.contains("id: \(ids[2])\n") && !body.contains("id: \(ids[1])\n"))
    }

    @Test(arguments: [
        ("/api/v1/other", HTTPMethod.GET, true, "404 Not Found", "route_not_found"),
        ("/api/v1/events", .POST, true, "405 Method Not Allowed", "method_not_allowed"),
        ("/api/v1/events", .GET, false, "401 Unauthorized", "missing_credentials"),
        ("/api/v1/events?last_event_id=-1", .GET, true, "400 Bad Request", "invalid_last_event_id"),
        ("/api/v1/events?last_event_id=x", .GET, true, "400 Bad Request", "invalid_last_event_id"),
    ])
    func refusalsAreJSONErrorsAndNoStream(uri: String, method: HTTPMethod, identified: Bool, status: String, code: String) throws {
        let outbox = try makeOutbox()
        // Unidentified: what nginx once set after its check is no credential now.
        let headers = identified ? [("Authorization", "Bearer \(try outbox.agent().token)")] : [("X-Switchboard-Identity", "agent")]
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
        try channel.pipeline.syncOperations.addHandler(SSEHandler(hub: hub, authorizer: outbox.service))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let token = try outbox.agent().token
        try channel.writeInbound(channel.allocator.buffer(string: "GET /api/v1/events HTTP/1.1\r\nHost: n\r\nAuthorization: Bearer \(token)\r\n\r\n"))
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

    /// Credentials that must not open a stream, judged by the shared check in the notifier:
    /// each gets its status and the same code a route gives, and no stream byte.
    @Test func theNotifierRefusesWhatTheRoutesRefuse() throws {
        let outbox = try makeOutbox()
        let service = outbox.service
        let mine = try outbox.customer()
        let other = try outbox.customer()
        let agent = try outbox.agent()
        // A token of this desk that has already expired: issued by a service whose tokens live -1 s.
        _ = try outbox.agent("robin")
        let expiring = ChatService(store: service.store, tokenTTLSeconds: -1, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        let expired = try #require(try expiring.login(username: "robin", password: "correct horse battery")).token
        let loggedOut = try outbox.agent("sam")
        try service.revoke(token: loggedOut.token, of: try #require(try service.authenticate(token: loggedOut.token)))
        let revokedKey = try service.createApiKey(ApiKeyInput(name: "Old CRM", role: .admin), by: .cli)
        try service.revokeApiKey(id: revokedKey.apiKey.id, by: .cli)
        let cases: [(String, [(String, String)], Int, String)] = [
            ("/api/v1/events", [("Authorization", "Bearer sb_never_issued")], 401, "invalid_token"),
            ("/api/v1/events", [("Authorization", "Basic \(agent.token)")], 401, "invalid_token"),
            ("/api/v1/events", [("Authorization", "")], 401, "missing_token"),
            ("/api/v1/events", [("Authorization", "Bearer \(expired)")], 401, "invalid_token"),
            ("/api/v1/events", [("Authorization", "Bearer \(loggedOut.token)")], 401, "invalid_token"),
            ("/api/v1/events", [("Authorization", "Bearer \(revokedKey.key)")], 401, "invalid_token"),
            ("/api/v1/events?conversation_id=\(other.conversationId)", [("X-Customer-Session-Id", mine.sessionId)], 403,
             "not_your_conversation"),
            ("/api/v1/events?conversation_id=\(mine.conversationId)", [("X-Customer-Session-Id", "never-issued")], 403,
             "not_your_conversation"),
            ("/api/v1/events?conversation_id=no-such-conversation", [("X-Customer-Session-Id", mine.sessionId)], 403,
             "conversation_not_found"),
            ("/api/v1/events", [("X-Customer-Session-Id", mine.sessionId)], 403, "missing_conversation"),
            ("/api/v1/events?conversation_id=\(mine.conversationId)", [("X-Switchboard-Identity", "customer"),
                                                                      ("X-Switchboard-Conversation", mine.conversationId)],
             401, "missing_credentials"),
        ]
        for (uri, headers, status, code) in cases {
            let (head, body, channel, _) = try request(uri, headers: headers, outbox: outbox)
            #expect(Int(head.status.code) == status, "\(uri) \(headers.map(\.0)): \(body)")
            #expect(body.hasSuffix(#","code":"\#(code)"}"#), "\(uri) \(headers.map(\.0)): \(body)")
            #expect(head.headers["WWW-Authenticate"] == (status == 401 ? ["Bearer"] : []))
            #expect(!body.contains("event:") && !channel.isActive)
        }
        // The same desk's good credentials get their streams: the check is not refusing everything.
        for headers in [[("Authorization", "Bearer \(agent.token)")],
                        [("Authorization", "Bearer \(try service.createApiKey(ApiKeyInput(name: "Orders", role: .agent), by: .cli).key)")]] {
            #expect(try request("/api/v1/events", headers: headers, outbox: outbox).0.status == .ok)
        }
    }

    /// An agent's token with a customer stream's filter is still an agent stream: it gets
    /// what agents get (the filter is a customer's, and narrows nothing for an agent).
    @Test func anAgentTokenOnACustomerStreamsFilterIsAnAgentStream() throws {
        let outbox = try makeOutbox()
        let customer = try outbox.customer()
        let (hub, loop, reads) = try makeHub(outbox)
        let channel = try send("/api/v1/events?conversation_id=\(customer.conversationId)",
                               headers: [("Authorization", "Bearer \(try outbox.agent().token)")], to: hub, loop: loop, outbox: outbox)
        reads.runAll()
        #expect(try response(channel).0.status == .ok)
        try outbox.append(.queueChatCreated, .agents, conversation: "another-conversation")
        hub.tail()
        reads.runAll()
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        #expect(text.contains("event: queue.chat_created\n"))
    }

    /// The check reads a snapshot; a logout that commits after it and that the hub fans
    /// out before the check's answer arrives would miss the stream it should end. The
    /// handler asks again instead: the revoked token gets its 401, while another token of
    /// the same agent (another tab) still gets its stream. With and without other streams
    /// open (without, the hub skips rows unread and cannot know what they held).
    @Test(arguments: [false, true])
    func aLogoutThatWentByWhileTheCheckRanIsHonoured(othersListening: Bool) throws {
        let outbox = try makeOutbox()
        let service = outbox.service
        let (hub, loop, reads) = try makeHub(outbox)
        if othersListening {
            _ = try send("/api/v1/events", headers: [("Authorization", "Bearer \(try outbox.agent("kim").token)")], to: hub,
                         loop: loop, outbox: outbox)
            reads.runAll()
        }
        let first = try outbox.agent()
        let second = try outbox.agent()
        let revoked = try send("/api/v1/events", headers: [("Authorization", "Bearer \(first.token)")], to: hub, loop: loop,
                               outbox: outbox)
        let otherTab = try send("/api/v1/events", headers: [("Authorization", "Bearer \(second.token)")], to: hub, loop: loop,
                                outbox: outbox)
        let answers = [reads.runNextHoldingItsAnswer(), reads.runNextHoldingItsAnswer()] // both checks saw live tokens
        try service.revoke(token: first.token, of: try #require(try service.authenticate(token: first.token)))
        hub.tail()
        reads.runAll() // agent.session_revoked fanned out before either answer arrived
        answers.forEach { $0() }
        reads.runAll()
        #expect(try response(revoked).0.status == .unauthorized)
        #expect(!revoked.isActive)
        #expect(try response(otherTab).0.status == .ok)
        #expect(otherTab.isActive)
    }

    /// The same for a signed-in customer: a logout of that device that went by while its
    /// stream's check ran is honoured (401 `invalid_session`, nginx's 401), and another
    /// device of the same customer still gets its stream.
    @Test func aCustomerLogoutThatWentByWhileTheCheckRanIsHonoured() throws {
        let outbox = try makeOutbox()
        let service = outbox.service
        let (hub, loop, reads) = try makeHub(outbox)
        _ = try send("/api/v1/events", headers: [("Authorization", "Bearer \(try outbox.agent("kim").token)")], to: hub,
                     loop: loop, outbox: outbox)
        reads.runAll()
        let secret = try service.createIdentitySecret(by: .cli)
        let token = IdentityToken.sign(subject: "customer-1", name: nil, email: nil, issuedAt: Int64(Date().timeIntervalSince1970),
                                       lifetimeSeconds: 3600, secret: IdentityToken.Secret(id: secret.id, key: Array(secret.secret.utf8)))
        let laptop = try service.customerLogin(.token(token), officer: nil, previousSessionId: nil)
        let phone = try service.customerLogin(.token(token), officer: nil, previousSessionId: nil)
        let uri = "/api/v1/events?conversation_id=\(laptop.conversation.id)"
        let loggedOut = try send(uri, headers: [("X-Customer-Session-Id", laptop.sessionId)], to: hub, loop: loop, outbox: outbox)
        let otherDevice = try send(uri, headers: [("X-Customer-Session-Id", phone.sessionId)], to: hub, loop: loop, outbox: outbox)
        let answers = [reads.runNextHoldingItsAnswer(), reads.runNextHoldingItsAnswer()]
        try service.customerLogout(sessionId: laptop.sessionId)
        hub.tail()
        reads.runAll() // customer.session_revoked fanned out before either answer arrived
        answers.forEach { $0() }
        reads.runAll()
        #expect(try response(loggedOut).0.status == .unauthorized)
        #expect(try response(otherDevice).0.status == .ok)
        #expect(otherDevice.isActive)
    }

    /// A check older than the revocations the hub still remembers is checked again, even
    /// when none of them was this stream's (the hub cannot know which it forgot).
    @Test func aCheckOlderThanWhatTheHubRemembersIsCheckedAgain() throws {
        let outbox = try makeOutbox()
        let (hub, loop, reads) = try makeHub(outbox)
        _ = try send("/api/v1/events", headers: [("Authorization", "Bearer \(try outbox.agent("kim").token)")], to: hub,
                     loop: loop, outbox: outbox)
        reads.runAll()
        let stream = try send("/api/v1/events", headers: [("Authorization", "Bearer \(try outbox.agent().token)")], to: hub,
                              loop: loop, outbox: outbox)
        let answer = reads.runNextHoldingItsAnswer()
        try outbox.writer.write { db in
            for n in 0...Hub.revocationsKept {
                try db.execute(sql: "INSERT INTO events (name, audience, conversation_id, data, created_at) VALUES (?, 'agents', NULL, ?, ?)",
                               arguments: [EventName.agentSessionRevoked.rawValue, #"{"agent_id":"someone-\#(n)"}"#,
                                           Timestamp.now().milliseconds])
            }
        }
        hub.tail()
        reads.runAll()
        answer()
        #expect(reads.count == 1, "the stream was not sent back for a second check")
        reads.runAll()
        #expect(try response(stream).0.status == .ok)
    }

    @Test func theErrorBodyIsEscapedJSON() {
        #expect(NotifierJSON.error(detail: #"No route GET /a"b\c."#, code: "route_not_found")
                == #"{"detail":"No route GET /a\"b\\c.","code":"route_not_found"}"#)
        #expect(NotifierJSON.reset(lastEventId: 42) == #"{"last_event_id":42}"#)
    }
}
