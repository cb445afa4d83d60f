/// Which webhook URLs may be saved and called (`SWITCHBOARD_WEBHOOK_ALLOW_HTTP`,
/// `SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE`).
public struct WebhookAddressPolicy: Equatable, Sendable {
    public var allowHTTP: Bool
    public var allowPrivate: Bool
    public init(allowHTTP: Bool, allowPrivate: Bool) {
        self.allowHTTP = allowHTTP
        self.allowPrivate = allowPrivate
    }
}

/// A webhook URL taken apart: what is resolved and where the connection goes.
public struct WebhookTarget: Equatable, Sendable {
    public var scheme: String
    /// As written, without an IPv6 literal's brackets.
    public var host: String
    public var port: Int

    /// The URL checks (API.md "Webhooks"): `https` (or `http` when allowed), a host, an
    /// optional port, no user or password, no fragment, no spaces or control characters.
    public static func parse(_ url: String, policy: WebhookAddressPolicy) throws(AppError) -> WebhookTarget {
        func refuse(_ why: String) -> AppError { AppError.badRequest("url: \(why).", code: "invalid_url") }
        guard !url.isEmpty, url.unicodeScalars.count <= 2000 else { throw refuse("give a URL of at most 2000 characters") }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw refuse("no spaces, control or non-ASCII characters (percent-encode them)")
        }
        // Core has no Foundation: the first "://" found by hand.
        let chars = Array(url.utf8)
        guard let at = chars.indices.first(where: { chars[$0...].starts(with: Array("://".utf8)) }), at > 0 else {
            throw refuse("not an absolute URL")
        }
        let schemeEnd = url.utf8.index(url.startIndex, offsetBy: at)
        let scheme = url[..<schemeEnd].lowercased()
        let separator = schemeEnd..<url.utf8.index(schemeEnd, offsetBy: 3)
        guard scheme == "https" || (scheme == "http" && policy.allowHTTP) else {
            throw refuse(policy.allowHTTP ? "only http:// and https:// are allowed" : "only https:// is allowed")
        }
        guard !url.contains("#") else { throw refuse("a fragment (#…) is never sent; remove it") }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.contains("@") else { throw refuse("no user name or password in the URL") }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("an IPv6 address needs its closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { throw refuse("a malformed IPv6 address") }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
            guard !host.isEmpty, host.count <= 253,
                  host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw refuse("a host name of letters, digits, dots and hyphens")
            }
        }
        var port = scheme == "https" ? 443 : 80
        if let portText {
            guard let n = Int(portText), (1...65535).contains(n), portText.allSatisfy(\.isNumber) else { throw refuse("a port from 1 to 65535") }
            port = n
        }
        return WebhookTarget(scheme: scheme, host: host.lowercased(), port: port)
    }

    /// The address to connect to: the first one `resolve` gives, once every one of them
    /// is allowed (a name with one private answer among public ones is refused: the
    /// connection could go either way).
    public func checkedAddress(_ policy: WebhookAddressPolicy,
                               resolve: (String, Int) -> [[UInt8]]?) throws(AppError) -> [UInt8] {
        guard let addresses = resolve(host, port), let first = addresses.first else {
            throw AppError.badRequest("url: \(host) does not resolve to an address.", code: "unresolvable_host")
        }
        if !policy.allowPrivate, let bad = addresses.first(where: { !IPAddress.isPublic($0) }) {
            throw AppError.badRequest(
                "url: \(host) is \(IPAddress.text(bad)), a loopback, private, link-local or reserved address; webhooks go to public addresses only.",
                code: "private_address")
        }
        return first
    }
}

/// IPv4 (4 bytes) and IPv6 (16 bytes) addresses: which are public, and how they are written.
public enum IPAddress {
    /// Whether a webhook may go there: a global unicast address, none of the loopback,
    /// private, shared, link-local (the cloud metadata address included), multicast,
    /// reserved, documentation or translation ranges; an IPv6 address that carries an
    /// IPv4 one (mapped, compatible, NAT64, 6to4) is judged by the IPv4 one.
    public static func isPublic(_ bytes: [UInt8]) -> Bool {
        switch bytes.count {
        case 4: return isPublicV4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: return isPublicV6(bytes)
        default: return false
        }
    }

    private static func isPublicV4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        switch (a, b, c) {
        case (0, _, _), (10, _, _), (127, _, _): return false
        case (100, 64...127, _): return false                      // shared (carrier-grade NAT)
        case (169, 254, _): return false                           // link-local, cloud metadata
        case (172, 16...31, _), (192, 168, _): return false
        case (192, 0, 0), (192, 0, 2), (192, 88, 99): return false  // IETF, documentation, 6to4 relay
        case (198, 18...19, _), (198, 51, 100), (203, 0, 113): return false
        case (224..., _, _): return false                          // multicast, reserved, broadcast
        default: return true
        }
    }

    private static func isPublicV6(_ b: [UInt8]) -> Bool {
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)) {
            return isPublicV4(b[12], b[13], b[14], b[15])          // mapped, compatible (:: and ::1 included)
        }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B {
            return b[4..<12].allSatisfy { $0 == 0 } && isPublicV4(b[12], b[13], b[14], b[15])  // NAT64
        }
        if b[0] == 0x20 && b[1] == 0x02 { return isPublicV4(b[2], b[3], b[4], b[5]) }        // 6to4
        guard b[0] & 0xE0 == 0x20 else { return false }           // only 2000::/3 is global unicast
        if b[0] == 0x20 && b[1] == 0x01 {
            if b[2] == 0x0D && b[3] == 0xB8 { return false }       // documentation
            if b[2] == 0 && b[3] == 0 { return false }             // Teredo
            if b[2] == 0 && b[3] & 0xF0 == 0x10 || b[2] == 0 && b[3] & 0xF0 == 0x20 { return false }  // ORCHID
        }
        return true
    }

    /// `192.0.2.1`, or an IPv6 address as groups of hex (not compressed).
    public static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2)
            .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
