/// The sites that may show the chat: `scheme://host[:port]` origins (a host may start with
/// `*.` for its subdomains, as CSP allows), or `*` alone for any site. The same rule checks
/// `SWITCHBOARD_WIDGET_ORIGINS` and an admin's list; the list becomes the widget page's
/// `frame-ancestors`.
public enum WidgetOrigins {
    public static let maxCount = 20

    /// The origins, lower-cased and without duplicates; 400 `invalid_settings` naming the
    /// first bad one.
    public static func parse(_ values: [String], field: String) throws -> [String] {
        guard (1...maxCount).contains(values.count) else {
            throw AppError.badRequest("\(field): 1 to \(maxCount) sites.", code: "invalid_settings")
        }
        var result: [String] = []
        for value in values {
            let origin = value.trimmingSpaces.lowercased()
            guard isValid(origin) else {
                throw AppError.badRequest("\(field): '\(String(value.prefix(100)))' is not a site like https://shop.example (or * for any site).",
                                          code: "invalid_settings")
            }
            if !result.contains(origin) { result.append(origin) }
        }
        if result.contains("*"), result.count > 1 {
            throw AppError.badRequest("\(field): * (any site) stands alone.", code: "invalid_settings")
        }
        return result
    }

    /// Parses the environment's space-separated list; nil when it is not one.
    public static func parse(environment text: String) -> [String]? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        return try? parse(parts, field: "SWITCHBOARD_WIDGET_ORIGINS")
    }

    static func isValid(_ origin: String) -> Bool {
        if origin == "*" { return true }
        let scheme: Substring
        if origin.hasPrefix("https://") { scheme = "https://" } else if origin.hasPrefix("http://") { scheme = "http://" } else { return false }
        var rest = origin.dropFirst(scheme.count)
        if rest.hasPrefix("*.") { rest = rest.dropFirst(2) }
        var host = rest
        if rest.hasPrefix("[") {
            // An IPv6 literal: [hex:…], then an optional :port.
            guard let close = rest.firstIndex(of: "]") else { return false }
            let literal = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard !literal.isEmpty, literal.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }) else {
                return false
            }
            if after.isEmpty { return true }
            guard after.hasPrefix(":") else { return false }
            let port = after.dropFirst()
            return (1...5).contains(port.count) && port.allSatisfy { $0.isASCII && $0.isNumber } && (Int(port).map { (1...65535).contains($0) } ?? false)
        }
        if let colon = rest.lastIndex(of: ":") {
            let port = rest[rest.index(after: colon)...]
            guard (1...5).contains(port.count), port.allSatisfy { $0.isASCII && $0.isNumber }, let number = Int(port), (1...65535).contains(number) else {
                return false
            }
            host = rest[..<colon]
        }
        guard (1...253).contains(host.count), !host.hasPrefix("."), !host.hasSuffix("."), !host.contains("..") else { return false }
        return host.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" }
    }

    /// The origin (`scheme://host[:port]`) of a URL such as a `Referer`; nil when it has none.
    public static func origin(ofURL url: String) -> String? {
        let lower = url.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") { scheme = "https" } else if lower.hasPrefix("http://") { scheme = "http" } else { return nil }
        let rest = lower.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        guard !hostPort.hasPrefix("*") else { return nil }
        let origin = "\(scheme)://\(hostPort)"
        return isValid(origin) ? origin : nil
    }

    /// Whether `origin` is one of `allowed` (`*` admits any; `https://*.shop.example` its subdomains).
    public static func allows(_ allowed: [String], _ origin: String) -> Bool {
        allowed.contains { (entry: String) -> Bool in
            if entry == "*" || entry == origin { return true }
            for scheme in ["https://*.", "http://*."] where entry.hasPrefix(scheme) {
                let suffix = "." + entry.dropFirst(scheme.count)
                let plain = String(scheme.dropLast(2))
                return origin.hasPrefix(plain) && origin.hasSuffix(suffix) && origin.count > plain.count + suffix.count
            }
            return false
        }
    }
}
