import NIOCore
import NIOHTTP1
import SwitchboardCore

/// Answers `GET /api/v1/events` (as proxied by nginx) with an SSE stream and hands the
/// channel to the hub; anything else gets a JSON error. The stream is authorized by
/// nginx's auth_request; this handler only reads the identity headers nginx set.
public final class SSEHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundOut = HTTPServerResponsePart

    private let hub: Hub
    private var subscribed: Identity?

    public init(hub: Hub) { self.hub = hub }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), subscribed == nil else { return }
        let (path, query) = Self.split(head.uri)
        guard path == "/api/v1/events" else {
            return fail(context, .notFound, code: "route_not_found", detail: "No route \(head.method.rawValue) \(path).")
        }
        guard head.method == .GET else {
            return fail(context, .methodNotAllowed, code: "method_not_allowed", detail: "Use GET.")
        }
        guard let identity = Identity(kind: head.headers.first(name: Identity.Header.identity),
                                      conversationId: head.headers.first(name: Identity.Header.conversation),
                                      agentId: head.headers.first(name: Identity.Header.agent)) else {
            return fail(context, .unauthorized, code: "unauthorized", detail: "This stream needs credentials.")
        }
        var cursor: Int64?
        if let text = head.headers.first(name: "Last-Event-ID") ?? query["last_event_id"], !text.isEmpty {
            guard let value = Int64(text), value >= 0 else {
                return fail(context, .badRequest, code: "invalid_last_event_id", detail: "Last-Event-ID must be an event id.")
            }
            cursor = value
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Accel-Buffering", value: "no")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
                              promise: nil)
        subscribed = identity
        hub.subscribe(context.channel, identity: identity, resumeFrom: cursor)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if let identity = subscribed { hub.unsubscribe(context.channel, identity: identity) }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func fail(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, code: String, detail: String) {
        let body = NotifierJSON.error(detail: detail, code: code)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET") }
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The path and the parsed query of a request target.
    static func split(_ uri: String) -> (String, [String: String]) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? QueryString.parse(parts[1]) : [:])
    }
}
