/// One FastCGI request, copied out of libfcgi's buffers into Swift values before the
/// request is finished (libfcgi frees `envp` on the next accept).
public struct FastCGIRequest: Sendable {
    /// CGI parameters (`REQUEST_METHOD`, `DOCUMENT_URI`, `HTTP_*`, ...).
    public let params: [String: String]
    public let body: [UInt8]

    public init(params: [String: String], body: [UInt8]) {
        self.params = params
        self.body = body
    }
}

/// An answer to write back: status, headers, body.
public struct FastCGIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The CGI response head: `Status:` line, headers, blank line. Header values are cleaned
    /// of CR/LF so nothing can split the response.
    var head: [UInt8] {
        var text = "Status: \(status) \(FastCGIResponse.reason(status))\r\n"
        for (name, value) in headers {
            // Filter scalars, not Characters: "\r\n" is one Character and would slip through.
            var clean = String.UnicodeScalarView()
            clean.append(contentsOf: value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
            text += "\(name): \(String(clean))\r\n"
        }
        if !headers.contains(where: { $0.0.lowercased() == "content-length" }) {
            text += "Content-Length: \(body.count)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// What the server knows about a request before handing it to the application.
public enum FastCGIInput: Sendable {
    case request(FastCGIRequest)
    /// The declared body is larger than the cap; the body was not read.
    case bodyTooLarge(params: [String: String], declared: Int)
    /// The body ended before `CONTENT_LENGTH` bytes (client went away) or the length was malformed.
    case badBody(params: [String: String])
}
