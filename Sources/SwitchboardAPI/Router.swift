import SwitchboardCore

/// Who may call a route. It is part of the route's declaration (`RouteTable`): the router
/// resolves the caller before the handler runs, and the handler receives it as a typed
/// value, so a route cannot forget to check its credentials.
public enum Audience: String, Sendable, CaseIterable {
    /// Anyone: no credentials are read.
    case `public`
    /// The customer whose `X-Customer-Session-Id` owns the conversation named by `:id`
    /// (401 `missing_session` without the header, 403 `not_your_conversation`, 404).
    case customer
    /// A signed-in customer: the `X-Customer-Session-Id` that `/customer/login` issued, still
    /// live (401 `missing_session` without it, 401 `invalid_session` otherwise).
    case customerSession = "customer_session"
    /// Any enabled agent with a live bearer token (401 otherwise).
    case agent
    /// An admin's bearer token (401 without a valid token, 403 `admin_required` for an agent).
    case admin
    /// A monitoring system: a loopback client, or the bearer `SWITCHBOARD_METRICS_TOKEN`
    /// names when it is set (403 `metrics_forbidden` / 401 `invalid_token`).
    case monitor
}

/// Matches method + path to a handler. Paths are `/`-separated literals and `:name`
/// parameters. A path that exists with another method is 405 (with `Allow`), no path is 404.
/// Only the canonical spelling matches: a trailing slash or an empty segment (`//`) is a
/// 404, so no second spelling of a route can slip past a limit keyed on the first.
/// Routes are added only through `RouteTable`, which makes every one declare its audience.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse

    /// A registered route as the table declares it (for tests that try every route).
    public struct Entry: Sendable, Equatable {
        public let method: String
        public let path: String
        public let audience: Audience
    }

    private struct Route: Sendable {
        let method: String
        /// Per segment: a literal to compare, or (nil) a parameter named in `names`.
        let literals: [Substring?]
        let names: [String?]
        /// Its place in `entries`.
        let index: Int
        let handler: Handler
    }
    /// Routes by their number of segments, in registration order: a request is compared
    /// only with routes of its own length (this runs for every request).
    private var routes: [Int: [Route]] = [:]
    /// Every route in registration order.
    public private(set) var entries: [Entry] = []

    init() {}

    /// Only `RouteTable` adds routes, after wrapping the handler in its audience's check.
    mutating func add(_ method: String, _ path: String, audience: Audience, _ handler: @escaping Handler) {
        let segments = path.split(separator: "/")
        let names = segments.map { $0.first == ":" ? String($0.dropFirst()) : nil }
        let literals = zip(segments, names).map { $1 == nil ? $0 : nil }
        routes[segments.count, default: []].append(Route(method: method, literals: literals, names: names,
                                                         index: entries.count, handler: handler))
        entries.append(Entry(method: method, path: path, audience: audience))
    }

    public enum Match {
        /// `index`: the route's place in `entries` (its template and method are there).
        case found(Handler, [String: String], index: Int)
        case methodNotAllowed(allowed: [String])
        case notFound

    }

    public func match(method: String, path: String) -> Match {
        guard path.hasPrefix("/") else { return .notFound }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) else { return .notFound }
        var allowed: [String] = []
        let effective = method == "HEAD" ? "GET" : method
        for route in routes[parts.count] ?? [] {
            var matches = true
            for (literal, part) in zip(route.literals, parts) where literal != nil && literal != part {
                matches = false
                break
            }
            guard matches else { continue }
            guard route.method == effective else {
                allowed.append(route.method)
                continue
            }
            var parameters: [String: String] = [:]
            for (name, part) in zip(route.names, parts) {
                if let name { parameters[name] = String(part) }
            }
            return .found(route.handler, parameters, index: route.index)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
