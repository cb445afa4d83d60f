import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardMetrics

/// Answers `GET /api/v1/events` (as proxied by nginx) with an SSE stream and hands the
/// channel to the hub; anything else gets a JSON error. Who may listen is judged here, from
/// the credentials the client sent (`Authorization: Bearer`, or `X-Customer-Session-Id`
/// with `?conversation_id=`), by the same code the worker's routes run
/// (`StreamAuthorizer`, the chat service's `listener`): one read transaction per connect, off
/// the event loop. Nothing else in the request is trusted.
///
/// The requests are parsed by NIO's decoder, but the answers are written as bytes, with no
/// response encoder in the pipeline: a stream is a close-delimited body (`Connection:
/// close`, neither a length nor chunks), so every frame is one buffer shared by all its
/// streams and written as is — no chunk header allocated and no three-part write per
/// stream per event, and nginx passes the bytes through instead of parsing chunks. The
/// stream ends when the notifier closes the connection; nginx then ends the client's
/// response cleanly. (nginx speaks to the notifier one request per connection.)
public final class SSEHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundOut = ByteBuffer

    private let hub: Hub
    private let authorizer: any StreamAuthorizer
    private let metricsToken: String?
    /// Set once a request head arrived: whatever is read after it is not a request.
    private var answering = false
    private var subscribed: Identity?

    /// `authorizer` judges each stream's credentials; `metricsToken`: the bearer
    /// `/metrics/notifier` wants (nil: clients on this host only).
    public init(hub: Hub, authorizer: any StreamAuthorizer, metricsToken: String? = nil) {
        self.hub = hub
        self.authorizer = authorizer
        self.metricsToken = metricsToken
    }

    /// The client's address as nginx saw it, for `/metrics/notifier` (nginx sets it).
    static let remoteAddressHeader = "X-Switchboard-Remote-Addr"

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // One request per connection (nginx sends nothing more): after its head, whatever
        // arrives (its end, or anything once streaming) is dropped unread.
        guard !answering, case .head(let head) = unwrapInboundIn(data) else { return }
        answering = true
        let (path, query) = Self.split(head.uri)
        if path == "/metrics/notifier", let metrics = hub.metrics { return scrape(context, head, metrics) }
        guard path == "/api/v1/events" else {
            return fail(context, .notFound, code: "route_not_found", detail: "No route \(head.method.rawValue) \(path).")
        }
        guard head.method == .GET else {
            return fail(context, .methodNotAllowed, code: "method_not_allowed", detail: "Use GET.")
        }
        let credentials = StreamCredentials(authorization: head.headers.first(name: "Authorization"),
                                            customerSessionId: head.headers.first(name: "X-Customer-Session-Id"),
                                            conversationId: query["conversation_id"])
        let lastEventId = head.headers.first(name: "Last-Event-ID") ?? query["last_event_id"]
        check(context, credentials, lastEventId: lastEventId, attempt: 1)
    }

    /// Runs the credential check off the loop and carries on with its answer on it.
    private func check(_ context: ChannelHandlerContext, _ credentials: StreamCredentials, lastEventId: String?, attempt: Int) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        hub.authorize(credentials, by: authorizer, completingOn: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            handler.authorized(context, result, credentials, lastEventId: lastEventId, attempt: attempt)
        }
    }

    /// Starts the stream the check allowed, or answers its refusal (the client may be gone by now).
    private func authorized(_ context: ChannelHandlerContext, _ result: Result<StreamGrant, any Error>,
                            _ credentials: StreamCredentials, lastEventId: String?, attempt: Int) {
        guard context.channel.isActive else { return }
        let grant: StreamGrant
        switch result {
        case .success(let value) where hub.needsRecheck(value):
            // A revocation went by while the check ran: the answer may be stale, ask again
            // (a few times at most; then the client retries like after a restart).
            guard attempt < 3 else { return unavailable(context) }
            return check(context, credentials, lastEventId: lastEventId, attempt: attempt + 1)
        case .success(let value):
            grant = value
        case .failure(let error as AppError) where error.status == 401 || error.status == 403:
            return fail(context, HTTPResponseStatus(statusCode: error.status), code: error.code, detail: error.detail)
        case .failure(let error):
            // The database did not answer: a gap the client retries after, like a restart.
            hub.logFailedCheck(error)
            return unavailable(context)
        }
        var cursor: Int64?
        if let text = lastEventId, !text.isEmpty {
            guard let value = Int64(text), value >= 0 else {
                return fail(context, .badRequest, code: "invalid_last_event_id", detail: "Last-Event-ID must be an event id.")
            }
            cursor = value
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: Self.streamHead)), promise: nil)
        subscribed = grant.identity
        hub.subscribe(context.channel, identity: grant.identity, resumeFrom: cursor)
        // The request is over: the decoder's state is 1.8 KiB of every idle stream (bench
        // memory part: 6.7 -> 4.9 KiB per stream). Whatever still arrives is ignored above.
        if let decoder = try? context.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            context.pipeline.syncOperations.removeHandler(context: decoder, promise: nil)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if let identity = subscribed { hub.unsubscribe(context.channel, identity: identity) }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// The head of every stream: close-delimited (see the type's comment).
    static let streamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
        + "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n"

    /// `GET /metrics/notifier` (API.md "Metrics"), under the worker's own access rule.
    private func scrape(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ metrics: NotifierMetrics) {
        guard head.method == .GET else {
            return fail(context, .methodNotAllowed, code: "method_not_allowed", detail: "Use GET.")
        }
        do {
            try MetricsAccess.check(authorization: head.headers.first(name: "Authorization"),
                                    remoteAddress: head.headers.first(name: Self.remoteAddressHeader) ?? "", token: metricsToken)
        } catch let error as AppError {
            return fail(context, HTTPResponseStatus(statusCode: error.status), code: error.code, detail: error.detail)
        } catch {
            return fail(context, .forbidden, code: "metrics_forbidden", detail: "Metrics are for this host only.")
        }
        let body = metrics.exposition()
        var buffer = context.channel.allocator.buffer(capacity: body.count + 160)
        buffer.writeString("HTTP/1.1 200 OK\r\nContent-Type: \(prometheusContentType)\r\nCache-Control: no-store\r\n"
                           + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        buffer.writeBytes(body)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// A stream that cannot start now: the client retries, as after a restart.
    private func unavailable(_ context: ChannelHandlerContext) {
        fail(context, .serviceUnavailable, code: "unavailable", detail: "The stream cannot start right now; try again.")
    }

    private func fail(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, code: String, detail: String) {
        let body = NotifierJSON.error(detail: detail, code: code)
        let extra = status == .methodNotAllowed ? "Allow: GET\r\n" : status == .unauthorized ? "WWW-Authenticate: Bearer\r\n" : ""
        let text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: application/json\r\n\(extra)"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: text))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// The path and the parsed query of a request target.
    static func split(_ uri: String) -> (String, [String: String]) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? QueryString.parse(parts[1]) : [:])
    }
}
