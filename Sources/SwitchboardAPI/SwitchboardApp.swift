import Dispatch
import Logging
import SwitchboardChat
import SwitchboardCore
import SwitchboardMetrics

/// The whole REST API as one function from request to response. It never throws: an
/// `AppError` becomes its JSON answer, anything else a logged 500 that reveals nothing.
/// Every request gets one log line (method, path, status, duration, request id) — never
/// headers or bodies, which carry credentials.
public struct SwitchboardApp: Sendable {
    /// Writes one request's log line (the worker's: straight into its log buffer, the same
    /// line the logger would write, without building and sorting a metadata dictionary).
    public typealias RequestLog = @Sendable (_ fields: [(String, String)]) -> Void

    private let router: Router
    /// Signs file links, deriving its key only when an answer carries a file (made once:
    /// binding it to a request costs no lookup).
    private let links: LazyLinkSigner
    private let logger: Logger
    private let requestLog: RequestLog?
    private let metrics: WorkerMetrics?
    /// Each route's metric handles, by its place in the router's entries, made once.
    private let routeMetrics: [WorkerMetrics.Route]
    /// Requests that matched no route, by method (others share "OTHER": a method is a label).
    private let unmatchedMetrics: [String: WorkerMetrics.Route]

    /// `notifier` reports the notifier's state for the health check ("ok"/"unavailable"), nil when there is none.
    /// `requestLog` receives each request's fields sorted by name; without it they go to `logger`.
    /// `metrics` counts every answer and serves `GET /metrics/worker` (`metricsToken`: the
    /// bearer it wants; nil: loopback clients only).
    public init(service: ChatService, realtime: any RealtimeSink, notifier: @escaping @Sendable () -> String? = { nil },
                logger: Logger = Logger(label: "switchboard.api"), requestLog: RequestLog? = nil,
                metrics: WorkerMetrics? = nil, metricsToken: String? = nil, files: (any FileIngest)? = nil) {
        self.requestLog = requestLog
        self.metrics = metrics
        links = LazyLinkSigner(service: service)
        var table = RouteTable(auth: Authenticator(service: service))
        CustomerRoutes(service: service, realtime: realtime).register(&table)
        AgentRoutes(service: service, realtime: realtime).register(&table)
        AdminRoutes(service: service).register(&table)
        ContactRoutes(service: service).register(&table)
        PasswordLinkRoutes(service: service).register(&table)
        HandoverRoutes(service: service).register(&table)
        CannedReplyRoutes(service: service).register(&table)
        LabelRoutes(service: service).register(&table)
        SearchRoutes(service: service).register(&table)
        ReportRoutes(service: service).register(&table)
        IntegrationRoutes(service: service).register(&table)
        // Registered whether or not files are kept (the route table is the same everywhere: the
        // CLI lists it, the metrics name it); without a file store an upload is a 503.
        FileRoutes(service: service, files: files).register(&table)
        HealthRoutes(service: service, notifier: notifier).register(&table)
        if let metrics { MetricsRoutes(service: service, metrics: metrics, token: metricsToken).register(&table) }
        self.router = table.router
        self.logger = logger
        routeMetrics = metrics.map { m in table.router.entries.map { m.route(template: $0.path, method: $0.method) } } ?? []
        unmatchedMetrics = metrics.map { m in
            Dictionary(uniqueKeysWithValues: Self.methods.map { ($0, m.route(template: Self.unmatched, method: $0)) })
        } ?? [:]
    }

    /// Every route with its audience, in registration order (tests try each one).
    public var routes: [Router.Entry] { router.entries }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        // Every answer and event written while handling this request carries file links
        // signed now (API.md "Files and images").
        var (response, route) = FileLinks.$signer.withValue(links) { dispatch(request) }
        if request.path.hasPrefix(FileRoutes.checkPrefix) { response = Self.uploadRefusal(response) }
        return finish(request, response, started: started, route: route)
    }

    /// nginx's `auth_request` understands only 2xx, 401 and 403, and drops the body: a refused
    /// upload check is a 403 (401 stays) that carries the real status and JSON error in
    /// headers, which nginx answers the client with (`@upload_refused`).
    static func uploadRefusal(_ response: HTTPResponse) -> HTTPResponse {
        guard response.status >= 300 else { return response }
        var refusal = response
        refusal.status = response.status == 401 ? 401 : 403
        refusal.headers.append(("X-Switchboard-Status", String(response.status)))
        refusal.headers.append(("X-Switchboard-Error", String(decoding: response.body, as: UTF8.self)))
        return refusal
    }

    /// Logs and stamps an answer that the transport produced itself (413, broken body).
    public func respond(_ request: HTTPRequest, with response: HTTPResponse) -> HTTPResponse {
        var route: Int?
        if case .found(_, _, let index) = router.match(method: request.method, path: request.path) { route = index }
        return finish(request, response, started: DispatchTime.now().uptimeNanoseconds, route: route)
    }

    /// The route label of a request that matched no route (a metric never names a raw path).
    static let unmatched = "unmatched"
    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"]

    /// `route`: the matched route's place in the router's entries, nil for none.
    private func finish(_ request: HTTPRequest, _ response: HTTPResponse, started: UInt64, route: Int?) -> HTTPResponse {
        var response = response
        let nanos = DispatchTime.now().uptimeNanoseconds - started
        let micros = nanos / 1000
        if metrics != nil {
            let handles = route.map { routeMetrics[$0] } ?? unmatchedMetrics[request.method] ?? unmatchedMetrics["OTHER"]
            handles?.answered(status: response.status, took: .nanoseconds(Int64(nanos)))
        }
        if !request.requestId.isEmpty { response.headers.append(("X-Request-Id", request.requestId)) }
        // Sorted by name, as the log handler writes metadata.
        let fields = [("duration_ms", "\(Double(micros) / 1000)"), ("method", request.method), ("path", request.path),
                      ("request_id", request.requestId), ("status", String(response.status))]
        if let requestLog {
            requestLog(fields)
        } else {
            logger.info("request", metadata: Logger.Metadata(uniqueKeysWithValues: fields.map { ($0.0, .string($0.1)) }))
        }
        return response
    }

    /// The answer and the route it came from (its place in the entries; nil for none).
    private func dispatch(_ request: HTTPRequest) -> (HTTPResponse, Int?) {
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            return (.error(.notFound("No route \(request.method) \(request.path).", code: "route_not_found")), nil)
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.error(AppError(status: 405, code: "method_not_allowed",
                                                       detail: "\(request.method) is not allowed here; use \(allowed.joined(separator: ", "))."))
            response.headers.append(("Allow", allowed.joined(separator: ", ")))
            return (response, nil)
        case .found(let handler, let parameters, let index):
            var routed = request
            routed.pathParameters = parameters
            do {
                var response = try handler(routed)
                if request.method == "HEAD" {
                    response.body = []
                    response.stream = nil
                }
                return (response, index)
            } catch let error as AppError {
                if error.status >= 500 {
                    logger.error("refused: \(error.code)", metadata: [
                        "path": "\(request.path)", "request_id": "\(request.requestId)", "cause": "\(error.cause ?? "")",
                    ])
                }
                if error.code == "storage_unavailable" { metrics?.storageError(Self.storageErrorKind(error.cause)) }
                return (.error(error), index)
            } catch {
                logger.error("unhandled error", metadata: [
                    "path": "\(request.path)", "request_id": "\(request.requestId)", "error": "\(String(reflecting: error))",
                ])
                return (.error(AppError(status: 500, code: "internal_error",
                                        detail: "Something went wrong on our side. The request id in X-Request-Id helps us find it.")),
                        index)
            }
        }
    }

    /// Which kind of storage failure a 503's cause names: it starts with SQLite's (extended)
    /// result code, whose low byte is the primary code.
    static func storageErrorKind(_ cause: String?) -> WorkerMetrics.StorageErrorKind {
        guard let code = Int((cause ?? "").prefix { $0.isNumber }) else { return .other }
        switch code & 0xFF {
        case 5, 6: return .busy          // SQLITE_BUSY, SQLITE_LOCKED
        case 13: return .full            // SQLITE_FULL
        case 8: return .readonly         // SQLITE_READONLY
        case 10, 14, 15: return .io      // SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PROTOCOL
        default: return .other
        }
    }

    /// Answers for inputs the transport refused before routing.
    public static func bodyTooLarge(limit: Int) -> HTTPResponse {
        .error(AppError(status: 413, code: "payload_too_large", detail: "The request body is larger than \(limit) bytes."))
    }

    public static func badBody() -> HTTPResponse {
        .error(.badRequest("The request body was incomplete.", code: "incomplete_body"))
    }
}

/// The desk's link signer, its key read (from the service's cache) only when a link is written.
final class LazyLinkSigner: FileLinkSigning, Sendable {
    private let service: ChatService
    init(service: ChatService) { self.service = service }

    func link(id: String, variant: String?) -> (url: String, expiresAt: Timestamp) {
        guard let signer = try? service.fileLinkSigner() else { return ("", Timestamp(milliseconds: 0)) }
        return signer.link(id: id, variant: variant)
    }
}
