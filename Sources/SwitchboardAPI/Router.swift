import SwitchboardCore

/// Matches method + path to a handler. Paths are `/`-separated literals and `:name`
/// parameters. A path that exists with another method is 405 (with `Allow`), no path is 404.
/// Only the canonical spelling matches: a trailing slash or an empty segment (`//`) is a
/// 404, so no second spelling of a route can slip past a limit keyed on the first.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse

    private struct Route: Sendable {
        let method: String
        let segments: [Substring]
        let handler: Handler
    }
    private var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, segments: path.split(separator: "/"), handler: handler))
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
        for route in routes where route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var matches = true
            for (pattern, part) in zip(route.segments, parts) {
                if pattern.first == ":" {
                    parameters[String(pattern.dropFirst())] = String(part)
                } else if pattern != part {
                    matches = false
                    break
                }
            }
            guard matches else { continue }
            let effective = method == "HEAD" ? "GET" : method
            if route.method == effective { return .found(route.handler, parameters) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
