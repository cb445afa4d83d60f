import SwitchboardCore

/// Declares the API's routes, each under its audience. A handler is registered only
/// together with the check of who may call it, and receives the caller that check resolved
/// (`CustomerCaller`, `AgentCaller`, `AdminCaller`, `Identity`). The router's `entries`
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
        let auth = auth
        add(method, path, .customer) { request in try handler(request, try auth.customer(request)) }
    }

    /// Any enabled agent with a live token.
    mutating func agent(_ method: String, _ path: String,
                        _ handler: @escaping @Sendable (HTTPRequest, AgentCaller) throws -> HTTPResponse) {
        let auth = auth
        add(method, path, .agent) { request in try handler(request, try auth.agent(request)) }
    }

    /// An admin.
    mutating func admin(_ method: String, _ path: String,
                        _ handler: @escaping @Sendable (HTTPRequest, AdminCaller) throws -> HTTPResponse) {
        let auth = auth
        add(method, path, .admin) { request in try handler(request, try auth.admin(request)) }
    }

    /// Whoever may listen to an event stream.
    mutating func listener(_ method: String, _ path: String,
                           _ handler: @escaping @Sendable (HTTPRequest, Identity) throws -> HTTPResponse) {
        let auth = auth
        add(method, path, .listener) { request in try handler(request, try auth.listener(request)) }
    }

    private mutating func add(_ method: String, _ path: String, _ audience: Audience, _ handler: @escaping Router.Handler) {
        router.add(method, path, audience: audience, handler)
        for (prefix, alias) in Self.aliases where path.hasPrefix(prefix) {
            router.add(method, alias + path.dropFirst(prefix.count), audience: audience, handler)
        }
    }
}
