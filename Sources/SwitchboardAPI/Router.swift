import SwitchboardCore

/// Matches method + path to a handler. Paths are `/`-separated literals and `:name`
/// parameters. A path that exists with another method is 405 (with `Allow`), no path is 404.
/// Only the canonical spelling matches: a trailing slash or an empty segment (`//`) is a
/// 404, so no second spelling of a route can slip past a limit keyed on the first.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse

    private struct Route: Sendable {
        let method: String
        /// Per segment: a literal to compare, or (nil) a parameter named in `names`.
        let literals: [Substring?]
        let names: [String?]
        let handler: Handler
    }
    /// Routes by their number of segments, in registration order: a request is compared
    /// only with routes of its own length (this runs for every request).
    private var routes: [Int: [Route]] = [:]

    public init() {}

    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        let segments = path.split(separator: "/")
        let names = segments.map { $0.first == ":" ? String($0.dropFirst()) : nil }
        let literals = zip(segments, names).map { $1 == nil ? $0 : nil }
        routes[segments.count, default: []].append(Route(method: method, literals: literals, names: names, handler: handler))
    }

    public mutating func get(_ path: String, _ handler: @escaping Handler) { add("GET", path, handler) }
    public mutating func post(_ path: String, _ handler: @escaping Handler) { add("POST", path, handler) }

    public enum Match {
        case found(Handler, [String: String])
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
            return .found(route.handler, parameters)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
