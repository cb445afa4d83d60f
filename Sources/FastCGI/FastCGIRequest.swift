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
    /// Writes a body in pieces; `write` throws once the client is gone.
    public typealias BodyStream = @Sendable (_ write: ([UInt8]) throws -> Void) throws -> Void

    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// A body too large to hold (a CSV export): written after `body`, piece by piece, with no
    /// `Content-Length` (the end of the FastCGI stream ends it).
    public var stream: BodyStream?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], stream: BodyStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
    }

    /// The CGI response head: `Status:` line, headers, blank line. Header values are cleaned
    /// of CR/LF so nothing can split the response.
    var head: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + headers.count * 48)
        bytes.append(contentsOf: "Status: \(status) \(FastCGIResponse.reason(status))\r\n".utf8)
        var hasLength = false
        for (name, value) in headers {
            // CR and LF are single UTF-8 bytes that never occur inside a multi-byte
            // sequence, so dropping those bytes is the same as dropping the scalars.
            Self.appendWithoutLineBreaks(name, to: &bytes)
            bytes.append(contentsOf: ": ".utf8)
            Self.appendWithoutLineBreaks(value, to: &bytes)
            bytes.append(contentsOf: "\r\n".utf8)
            hasLength = hasLength || Self.isContentLength(name)
        }
        if !hasLength, stream == nil { bytes.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8) }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    /// `text`'s UTF-8 without CR and LF bytes (copied whole when it has none: the usual case).
    static func appendWithoutLineBreaks(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = text.utf8
        if utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            bytes.append(contentsOf: utf8.filter { $0 != 13 && $0 != 10 })
        } else {
            bytes.append(contentsOf: utf8)
        }
    }

    /// `Content-Length` in any letter case, without allocating a lowercased copy.
    static func isContentLength(_ name: String) -> Bool {
        let expected = "content-length".utf8
        guard name.utf8.count == expected.count else { return false }
        return zip(name.utf8, expected).allSatisfy { pair in
            (pair.0 >= 65 && pair.0 <= 90 ? pair.0 + 32 : pair.0) == pair.1
        }
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
