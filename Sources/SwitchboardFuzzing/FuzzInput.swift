/// How fuzz bytes become requests. The format is HTTP-like text, so the checked-in
/// corpus stays readable and libFuzzer's mutations (and its dictionary,
/// Tests/fuzz/switchboard.dict) land on meaningful pieces:
///
///     @auto                                   optional, first line of the input: auto routing
///     POST /api/v1/customer/conversations/$C0/messages?limit=5
///     Content-Type: application/json
///     X-Customer-Session-Id: $S0
///     @raw-uri                                a directive: send no DOCUMENT_URI
///                                             blank line, then the body (raw bytes)
///     {"content":"hi"}
///     ---                                     next request (at most `maxRequests` per input)
///     GET /api/v1/agent/queue
///     Authorization: Bearer $AGENT
///
/// Placeholders (`$C0`, `$S0`, `$AGENT`, `$NEWC`, …; see `Seed` and `Harness`) are
/// replaced byte for byte in the head and the body just before that request runs. The
/// seeded ids are random per process, so an input reproduces anywhere only when it names
/// seeded rows by placeholder (libFuzzer may also learn a literal id from comparisons; such
/// an input is meaningful only in the process that found it).
/// Every head line becomes a CGI parameter the way nginx builds them: `Name: value` is
/// `HTTP_NAME` (Content-Type also `CONTENT_TYPE`), the request line gives
/// `REQUEST_METHOD`, `REQUEST_URI`, `DOCUMENT_URI` (percent-decoded path) and
/// `QUERY_STRING`. Like libfcgi's strings, a parameter ends at its first NUL byte.
struct FuzzRequest {
    var head: [UInt8]
    var body: [UInt8]
}

enum FuzzInput {
    static let maxRequests = 8
    /// What the worker accepts (SWITCHBOARD_MAX_BODY_BYTES' default); longer is a 413.
    static let maxBodyBytes = 65536

    /// The routing mode the input asks for, and its requests (unsubstituted).
    static func split(_ data: [UInt8]) -> (auto: Bool, requests: [[UInt8]]) {
        var bytes = data[...]
        let autoPrefix = Array("@auto\n".utf8)
        let auto = bytes.starts(with: autoPrefix)
        if auto { bytes = bytes.dropFirst(autoPrefix.count) }
        return (auto, Array(splitting(bytes, on: Array("\n---\n".utf8)).prefix(maxRequests)))
    }

    /// Head and body of one request: they part at the first empty line.
    static func request(_ chunk: [UInt8]) -> FuzzRequest {
        let parts = splitting(chunk[...], on: Array("\n\n".utf8), maxSplits: 1)
        return FuzzRequest(head: parts[0], body: parts.count > 1 ? parts[1] : [])
    }

    /// The CGI parameters nginx would send for `head` with a body of `bodyCount` bytes.
    static func cgiParams(_ head: [UInt8], bodyCount: Int, requestId: String) -> [String: String] {
        var lines = splitting(head[...], on: [UInt8(ascii: "\n")]).map { line -> [UInt8] in
            line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
        }
        if lines.isEmpty { lines = [[]] }
        let requestLine = lines.removeFirst()
        var params: [String: String] = [
            "REQUEST_ID": requestId,
            "REMOTE_ADDR": "192.0.2.1",
            "CONTENT_LENGTH": String(bodyCount),
            "SERVER_PROTOCOL": "HTTP/1.1",
        ]
        // "METHOD TARGET": no space means the target is missing (nginx would say 400; the
        // worker must still cope with whatever params it gets).
        let request = splitting(requestLine[...], on: [UInt8(ascii: " ")], maxSplits: 1)
        params["REQUEST_METHOD"] = cString(request[0])
        let target = request.count > 1 ? request[1] : []
        let pathAndQuery = splitting(target[...], on: [UInt8(ascii: "?")], maxSplits: 1)
        params["REQUEST_URI"] = cString(target)
        params["QUERY_STRING"] = pathAndQuery.count > 1 ? cString(pathAndQuery[1]) : ""
        var documentURI: String? = cString(percentDecoded(pathAndQuery[0]))
        for line in lines {
            if line.first == UInt8(ascii: "@") {
                let directive = cString(line)
                if directive == "@raw-uri" { documentURI = nil }
                if directive.hasPrefix("@remote ") { params["REMOTE_ADDR"] = String(directive.dropFirst(8)) }
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = cString(Array(line[..<colon])).uppercased().replacingOccurrences(of: "-", with: "_")
            let value = cString(Array(line[(colon + 1)...].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }))
            guard !name.isEmpty else { continue }
            params["HTTP_" + name] = value
            if name == "CONTENT_TYPE" { params["CONTENT_TYPE"] = value }
        }
        if let documentURI { params["DOCUMENT_URI"] = documentURI }
        return params
    }

    /// What libfcgi hands the worker: bytes up to the first NUL, as (repaired) UTF-8.
    static func cString(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// nginx's `$document_uri` is the decoded path (`%2F` becomes `/`; `+` stays).
    static func percentDecoded(_ bytes: [UInt8]) -> [UInt8] {
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// `bytes` with every occurrence of each placeholder replaced (longest names first).
    static func substitute(_ bytes: [UInt8], _ values: [String: String]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "$")) else { return bytes }
        let pairs = values.sorted { ($0.key.utf8.count, $0.key) > ($1.key.utf8.count, $1.key) }
            .map { (Array($0.key.utf8), Array($0.value.utf8)) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        next: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$") {
                for (name, value) in pairs where bytes[i...].starts(with: name) {
                    out.append(contentsOf: value)
                    i += name.count
                    continue next
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// `bytes` cut at each occurrence of `separator` (at most `maxSplits` times).
    static func splitting(_ bytes: ArraySlice<UInt8>, on separator: [UInt8], maxSplits: Int = .max) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex, parts.count < maxSplits {
            if bytes[i...].starts(with: separator) {
                parts.append(Array(bytes[start..<i]))
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }
}
