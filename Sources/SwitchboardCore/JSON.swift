/// A JSON value built by hand for everything Switchboard writes: object keys keep their
/// order, `null` is explicit (the contract says `assigned_agent_id|null`, not "absent"),
/// and the same bytes go to REST answers and to the event outbox.
public indirect enum JSON: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public static func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
    public static func optional(_ value: Timestamp?) -> JSON { value.map { .string($0.iso8601) } ?? .null }
    public static func time(_ value: Timestamp) -> JSON { .string(value.iso8601) }

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Looks a key up in an object (first match).
    public subscript(key: String) -> JSON? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    /// Compact UTF-8 serialization.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Escapes quotes, backslashes and control characters; also `<`, `>`, `&` and the
    /// JavaScript line separators, so the text is safe even if someone embeds it in HTML.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: [92, 34])
            case "\\": out.append(contentsOf: [92, 92])
            case "\n": out.append(contentsOf: [92, 110])
            case "\r": out.append(contentsOf: [92, 114])
            case "\t": out.append(contentsOf: [92, 116])
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                escape(scalar.value, &out)
            default:
                if scalar.value < 0x20 { escape(scalar.value, &out) } else { out.append(contentsOf: String(scalar).utf8) }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(contentsOf: [92, 117])
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(shift)) & 0xF)]) }
    }
}
