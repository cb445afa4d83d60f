import SwitchboardCore
import SwitchboardMetrics

/// Declares the API's routes, each under its audience. A handler is registered only
/// together with the check of who may call it, and receives the caller that check resolved
/// (`CustomerCaller`, `AgentCaller`, `AdminCaller`). The router's `entries`
/// list every route with its audience, so a test can try each with every wrong credential.
struct RouteTable {
    private(set) var router = Router()
    let auth: Authenticator

    /// Every route under the first prefix also answers under the second (the replaced
    /// loan-officer system's paths), derived here rather than listed twice.
    static let aliases: [(prefix: String, alias: String)] = [("/api/v1/agent/", "/api/v1/officer/")]

    init(auth: Authenticator) { self.auth = auth }

    /// Anyone may call it; it reads no credentials.
    mutating func `public`(_ method: String, _ path: String, _ handler: @escaping Router.Handler) {
        add(method, path, .public, handler)
    }

    /// The customer owning the conversation `:id`.
    mutating func customer(_ method: String, _ path: String,
                           _ handler: @escaping @Sendable (HTTPRequest, CustomerCaller) throws -> HTTPResponse) {
        precondition(path.contains("/:id"), "a customer route names its conversation as :id: \(path)")
        add(method, path, .customer, resolving: auth.customer, handler)
    }

    /// A signed-in customer's live session (no conversation named).
    mutating func customerSession(_ method: String, _ path: String,
                                  _ handler: @escaping @Sendable (HTTPRequest, CustomerSessionCaller) throws -> HTTPResponse) {
        add(method, path, .customerSession, resolving: auth.customerSession, handler)
    }

    /// Any enabled agent with a live token.
    mutating func agent(_ method: String, _ path: String,
                        _ handler: @escaping @Sendable (HTTPRequest, AgentCaller) throws -> HTTPResponse) {
        add(method, path, .agent, resolving: auth.agent, handler)
    }

    /// An agent who is a person: an API key (an integration) is 403 `person_required`
    /// (logging out, a password, presence, holding a chat).
    mutating func person(_ method: String, _ path: String,
                         _ handler: @escaping @Sendable (HTTPRequest, AgentCaller) throws -> HTTPResponse) {
        add(method, path, .agent, resolving: auth.person, handler)
    }

    /// An admin.
    mutating func admin(_ method: String, _ path: String,
                        _ handler: @escaping @Sendable (HTTPRequest, AdminCaller) throws -> HTTPResponse) {
        add(method, path, .admin, resolving: auth.admin, handler)
    }

    /// A monitoring system: a client on this host, or the bearer of `token` when one is set.
    mutating func monitor(_ method: String, _ path: String, token: String?,
                          _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
        add(method, path, .monitor, resolving: { request in
            try MetricsAccess.check(authorization: request.header("authorization"), remoteAddress: request.remoteAddress, token: token)
        }) { request, _ in try handler(request) }
    }

    /// A handler that runs only with the caller `resolve` found in the request.
    private mutating func add<Caller>(_ method: String, _ path: String, _ audience: Audience,
                                      resolving resolve: @escaping @Sendable (HTTPRequest) throws -> Caller,
                                      _ handler: @escaping @Sendable (HTTPRequest, Caller) throws -> HTTPResponse) {
        add(method, path, audience) { request in try handler(request, try resolve(request)) }
    }

    private mutating func add(_ method: String, _ path: String, _ audience: Audience, _ handler: @escaping Router.Handler) {
        router.add(method, path, audience: audience, handler)
        for (prefix, alias) in Self.aliases where path.hasPrefix(prefix) {
            router.add(method, alias + path.dropFirst(prefix.count), audience: audience, handler)
        }
    }
}
