import CCurl

/// Why an e-mail did not go out. `permanent`: the server refused it for good (a 5xx
/// answer to this message, e.g. an unknown recipient), so retrying cannot help.
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public let permanent: Bool
}

/// Sends one message over SMTP with libcurl (Debian's libcurl4-openssl-dev): the SMTP
/// dialogue, authentication from the URL's user and password, and STARTTLS whenever the
/// server offers it (`smtp://`), or TLS from the start (`smtps://`). A URL with credentials
/// requires TLS: against a server that offers no STARTTLS the send fails before any AUTH,
/// so a password never crosses the network in clear.
public struct SMTPClient: Sendable {
    /// `smtp://user:pass@host:587` (percent-encode special characters in the password).
    let url: String
    let timeoutSeconds: Int
    /// PEM file of the CAs to trust instead of the system's (a shop's private relay).
    let caFile: String?

    public init(url: String, caFile: String? = nil, timeoutSeconds: Int = 60) {
        _ = Self.globalInit
        self.url = url
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    /// Whether the URL carries a user (and so a password): `scheme://user[:pass]@host`.
    public static func hasCredentials(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" }
        return authority.contains("@")
    }

    /// TLS for the whole dialogue when a password would be sent, else when offered.
    var tlsPolicy: curl_usessl { Self.hasCredentials(url) ? CURLUSESSL_ALL : CURLUSESSL_TRY }

    /// curl_global_init is not thread-safe: once per process, before any handle.
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Blocks until the server accepted the message (returns) or did not (throws).
    public func send(from: String, to: String, message: [UInt8]) throws(SMTPError) {
        guard let curl = curl_easy_init() else { throw SMTPError(description: "curl_easy_init failed", permanent: false) }
        defer { curl_easy_cleanup(curl) }
        let recipients = curl_slist_append(nil, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        let source = Source(message)
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errorBuffer in
            var setup = sb_curl_set_string(curl, CURLOPT_URL, url)
            if setup == CURLE_OK, let caFile { setup = sb_curl_set_string(curl, CURLOPT_CAINFO, caFile) }
            for (option, value) in [(CURLOPT_USE_SSL, Int(tlsPolicy.rawValue)), (CURLOPT_UPLOAD, 1), (CURLOPT_NOSIGNAL, 1),
                                    (CURLOPT_CONNECTTIMEOUT, 15), (CURLOPT_TIMEOUT, timeoutSeconds)] where setup == CURLE_OK {
                setup = sb_curl_set_long(curl, option, value)
            }
            if setup == CURLE_OK { setup = sb_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(from)>") }
            if setup == CURLE_OK { setup = sb_curl_set_list(curl, CURLOPT_MAIL_RCPT, recipients) }
            if setup == CURLE_OK { setup = sb_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress) }
            if setup == CURLE_OK { setup = sb_curl_set_read_function(curl, readMessage) }
            guard setup == CURLE_OK else { return setup }
            return withExtendedLifetime(source) {
                let pointer = Unmanaged.passUnretained(source).toOpaque()
                guard sb_curl_set_pointer(curl, CURLOPT_READDATA, pointer) == CURLE_OK else { return CURLE_FAILED_INIT }
                return curl_easy_perform(curl)
            }
        }
        guard code != CURLE_OK else { return }
        if code == CURLE_USE_SSL_FAILED {
            throw SMTPError(description: "SMTP: the server offers no STARTTLS, and with credentials in SWITCHBOARD_SMTP_URL nothing is sent without TLS (no AUTH was tried); enable STARTTLS on the server or use smtps:// (curl \(code.rawValue))",
                            permanent: false)
        }
        var response = 0
        _ = sb_curl_response_code(curl, &response)
        let written = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = written.isEmpty ? String(cString: curl_easy_strerror(code)) : written
        // A 5xx about this message is final; a refused login is the operator's to fix, so it is retried.
        let permanent = (500...599).contains(response) && code != CURLE_LOGIN_DENIED
        throw SMTPError(description: "SMTP \(response == 0 ? "" : "\(response) ")\(detail) (curl \(code.rawValue))", permanent: permanent)
    }
}

/// The message bytes and how far curl has read them.
private final class Source {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// curl's read callback: copies the next piece of the message, 0 at the end.
private func readMessage(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userData: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let userData else { return 0 }
    let source = Unmanaged<Source>.fromOpaque(userData).takeUnretainedValue()
    let n = min(size * count, source.bytes.count - source.offset)
    guard n > 0 else { return 0 }
    source.bytes.withUnsafeBufferPointer { all in
        UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: n)
    }
    source.offset += n
    return n
}
