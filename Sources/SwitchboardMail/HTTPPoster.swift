import CCurl

/// What a POST came to: the status when the server answered (any status), or why not.
public struct HTTPPostResult: Sendable, Equatable {
    public let status: Int?
    public let error: String?
}

/// One HTTP POST with libcurl, for webhooks: to exactly the address given (the one the
/// caller checked: `CURLOPT_RESOLVE` pins the host to it, so DNS cannot move the connection
/// elsewhere in between), no proxies from the environment, no redirects followed, http and
/// https only, a timeout for the whole exchange, and at most `maxResponseBytes` of the
/// answer read.
public struct HTTPPoster: Sendable {
    public let timeoutSeconds: Int
    public let maxResponseBytes: Int

    public init(timeoutSeconds: Int = 10, maxResponseBytes: Int = 64 * 1024) {
        _ = Self.globalInit
        self.timeoutSeconds = timeoutSeconds
        self.maxResponseBytes = maxResponseBytes
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// `pin`: "host:port:address" for `CURLOPT_RESOLVE` (an IPv6 address in brackets).
    public func post(url: String, pin: String?, headers: [(String, String)], body: String) -> HTTPPostResult {
        guard let curl = curl_easy_init() else { return HTTPPostResult(status: nil, error: "curl_easy_init failed") }
        defer { curl_easy_cleanup(curl) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        // No "Expect: 100-continue" round trip before the body.
        for line in headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] { headerList = curl_slist_append(headerList, line) }
        defer { curl_slist_free_all(headerList) }
        let resolve = pin.map { curl_slist_append(nil, $0) } ?? nil
        defer { curl_slist_free_all(resolve) }
        let sink = Sink(limit: maxResponseBytes)
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let bodyBytes = Array(body.utf8)

        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errorBuffer in
            var setup = sb_curl_set_string(curl, CURLOPT_URL, url)
            if setup == CURLE_OK { setup = sb_curl_set_string(curl, CURLOPT_PROTOCOLS_STR, "http,https") }
            if setup == CURLE_OK { setup = sb_curl_set_string(curl, CURLOPT_NOPROXY, "*") }
            for (option, value) in [(CURLOPT_POST, 1), (CURLOPT_NOSIGNAL, 1), (CURLOPT_FOLLOWLOCATION, 0),
                                    (CURLOPT_CONNECTTIMEOUT, timeoutSeconds), (CURLOPT_TIMEOUT, timeoutSeconds),
                                    (CURLOPT_POSTFIELDSIZE, bodyBytes.count)] where setup == CURLE_OK {
                setup = sb_curl_set_long(curl, option, value)
            }
            if setup == CURLE_OK {
                setup = bodyBytes.withUnsafeBufferPointer { sb_curl_set_pointer(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
            }
            if setup == CURLE_OK { setup = sb_curl_set_list(curl, CURLOPT_HTTPHEADER, headerList) }
            if setup == CURLE_OK, let resolve { setup = sb_curl_set_list(curl, CURLOPT_RESOLVE, resolve) }
            if setup == CURLE_OK { setup = sb_curl_set_write_function(curl, readAnswer) }
            // Last, so no early return leaves curl holding the closure's buffer.
            if setup == CURLE_OK { setup = sb_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress) }
            guard setup == CURLE_OK else { return setup }
            return withExtendedLifetime(sink) {
                guard sb_curl_set_pointer(curl, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()) == CURLE_OK else {
                    _ = sb_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, nil)
                    return CURLE_FAILED_INIT
                }
                let code = curl_easy_perform(curl)
                // The buffer lives only inside this closure; curl must not keep it until cleanup.
                _ = sb_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, nil)
                return code
            }
        }
        var status = 0
        _ = sb_curl_response_code(curl, &status)
        // Cut short after the cap on purpose: the status line and headers had arrived.
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && sink.capped) {
            return HTTPPostResult(status: status == 0 ? nil : status, error: nil)
        }
        let written = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = written.isEmpty ? String(cString: curl_easy_strerror(code)) : written
        return HTTPPostResult(status: status == 0 ? nil : status, error: "\(detail) (curl \(code.rawValue))")
    }
}

/// The answer's first bytes, up to the cap; past it the transfer stops.
private final class Sink {
    let limit: Int
    var count = 0
    var capped = false
    init(limit: Int) { self.limit = limit }
}

/// curl's write callback: counts the answer (nothing of it is kept) and stops past the cap.
private func readAnswer(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userData: UnsafeMutableRawPointer?) -> Int {
    guard let userData else { return 0 }
    let sink = Unmanaged<Sink>.fromOpaque(userData).takeUnretainedValue()
    let n = size * count
    sink.count += n
    if sink.count > sink.limit {
        sink.capped = true
        return 0
    }
    return n
}
