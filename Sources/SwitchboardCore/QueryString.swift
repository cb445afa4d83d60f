/// The one `application/x-www-form-urlencoded` query parser, for the worker's requests and
/// the notifier's stream URLs alike, so both read `?a=b` the same way.
public enum QueryString {
    /// `+` is a space, `%XX` escapes are decoded, pairs without a key are skipped and the
    /// first occurrence of a key wins (a later duplicate cannot override what was checked).
    public static func parse(_ text: some StringProtocol) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            guard !key.isEmpty, result[key] == nil else { continue }
            result[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    /// One component: `+` → space, then percent-decoding. A malformed escape or bytes that
    /// are not UTF-8 leave the component as it is (with `+` replaced), as Foundation's
    /// `removingPercentEncoding ?? text` did before this parser existed.
    public static func decode(_ component: some StringProtocol) -> String {
        let plus = UInt8(ascii: "+"), percent = UInt8(ascii: "%"), space = UInt8(ascii: " ")
        let input = component.utf8.map { $0 == plus ? space : $0 }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            guard input[i] == percent else {
                output.append(input[i])
                i += 1
                continue
            }
            guard i + 2 < input.count, let high = hexValue(input[i + 1]), let low = hexValue(input[i + 2]) else {
                return String(decoding: input, as: UTF8.self)
            }
            output.append(high << 4 | low)
            i += 3
        }
        return String(validating: output, as: UTF8.self) ?? String(decoding: input, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
