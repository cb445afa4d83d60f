import Foundation
import SwitchboardCore

/// An HTTP request as the API sees it, independent of FastCGI (tests build these directly).
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    /// Lower-cased header names.
    public var headers: [String: String]
    public var body: [UInt8]
    public var requestId: String
    /// The client's address as nginx saw it (`REMOTE_ADDR`); empty in-process.
    public var remoteAddress: String
    /// Filled by the router from `:name` segments.
    public var pathParameters: [String: String] = [:]
    /// An upload's body as nginx wrote it to a file (`SWITCHBOARD_BODY_FILE`): the body is
    /// then not in `body` (API.md "Files and images").
    public var bodyFile: String?

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: [UInt8] = [], requestId: String = "", remoteAddress: String = "") {
        self.init(method: method, path: path, query: query,
                  lowercasedHeaders: Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }),
                  body: body, requestId: requestId, remoteAddress: remoteAddress)
    }

    private init(method: String, path: String, query: [String: String], lowercasedHeaders: [String: String],
                 body: [UInt8], requestId: String, remoteAddress: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = lowercasedHeaders
        self.body = body
        self.requestId = requestId
        self.remoteAddress = remoteAddress
    }

    /// Builds a request from CGI parameters (what nginx sends over FastCGI).
    public init(cgi params: [String: String], body: [UInt8]) {
        let uri = params["REQUEST_URI"] ?? "/"
        let rawPath = params["DOCUMENT_URI"] ?? String(uri.split(separator: "?", maxSplits: 1).first ?? "/")
        var headers: [String: String] = [:]
        for (key, value) in params where key.hasPrefix("HTTP_") { headers[Self.headerName(cgi: key)] = value }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        self.init(method: params["REQUEST_METHOD"] ?? "GET", path: rawPath,
                  query: HTTPRequest.parseQuery(params["QUERY_STRING"] ?? ""), lowercasedHeaders: headers, body: body,
                  requestId: params["REQUEST_ID"] ?? "", remoteAddress: params["REMOTE_ADDR"] ?? "")
        // Set only by nginx's upload locations (a client's headers arrive as HTTP_*).
        if let file = params["SWITCHBOARD_BODY_FILE"], !file.isEmpty { bodyFile = file }
    }

    /// `HTTP_X_CUSTOMER_SESSION_ID` → `x-customer-session-id`, byte by byte (this runs for
    /// every header of every request: no Foundation, one allocation).
    static func headerName(cgi key: String) -> String {
        var bytes = Array(key.utf8.dropFirst(5))
        for i in bytes.indices {
            switch bytes[i] {
            case UInt8(ascii: "_"): bytes[i] = UInt8(ascii: "-")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes[i] += 32
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func parseQuery(_ text: String) -> [String: String] { QueryString.parse(text) }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// A path parameter the route table guarantees.
    public func parameter(_ name: String) -> String { pathParameters[name] ?? "" }
}

/// An HTTP answer.
public struct HTTPResponse: Sendable {
    /// Writes a body piece by piece; `write` throws once the client is gone.
    public typealias BodyStream = @Sendable (_ write: ([UInt8]) throws -> Void) throws -> Void

    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// A body written after the head in pieces, never held whole (the CSV export).
    public var stream: BodyStream?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], stream: BodyStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
    }

    /// The whole body, the stream run into memory (tests and the fuzz harness).
    public func collectedBody() throws -> [UInt8] {
        guard let stream else { return body }
        var bytes = body
        let sink = ByteSink()
        try stream { sink.bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: sink.bytes)
        return bytes
    }

    /// A typed answer, written by the one JSON encoder.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> HTTPResponse {
        jsonBody(try WireJSON.encode(value), status: status)
    }

    private static func jsonBody(_ body: [UInt8], status: Int) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body: body)
    }

    public static func error(_ error: AppError) -> HTTPResponse {
        // Two strings cannot fail to encode; the fallback only keeps this function total.
        let body = (try? WireJSON.encode(ErrorBody(error))) ?? Array(#"{"detail":"","code":"internal_error"}"#.utf8)
        var response = jsonBody(body, status: error.status)
        if error.status == 401 { response.headers.append(("WWW-Authenticate", "Bearer")) }
        if let seconds = error.retryAfter { response.headers.append(("Retry-After", String(seconds))) }
        return response
    }

    public static let noContent = HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")])
}

/// Where `collectedBody` gathers a stream (a class: the stream's closure cannot capture an inout).
private final class ByteSink: @unchecked Sendable {
    var bytes: [UInt8] = []
}
