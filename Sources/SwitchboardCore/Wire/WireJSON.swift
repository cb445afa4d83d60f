#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one way Switchboard reads and writes JSON. Writing goes through `Encodable` into a
/// streaming byte writer (no intermediate tree, keys in declaration order, `null` written
/// for a nil optional because the contract says `assigned_agent_id|null`, not "absent");
/// reading is Foundation's `JSONDecoder` with default keys, so every wire and body type
/// spells its snake_case keys once, in its `CodingKeys`.
public enum WireJSON {
    /// Compact UTF-8 JSON of `value`.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = JSONSink()
        try sink.value(value)
        return sink.finished()
    }

    /// The same bytes as a `String`.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Decodes request bodies and stored JSON columns alike.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decode(type, from: Array(text.utf8))
    }
}

/// The scalars the sink writes itself. The containers' overloads for these types call
/// `write(to:)` directly, with no dynamic cast (perf: the casts of `value(_:)` were a visible
/// share of encoding an answer); `value(_:)` catches them when they come generically.
protocol JSONScalar {
    func write(to sink: JSONSink)
}

extension String: JSONScalar {
    func write(to sink: JSONSink) { sink.string(self) }
}

extension Bool: JSONScalar {
    func write(to sink: JSONSink) { sink.bool(self) }
}

extension Int: JSONScalar {
    func write(to sink: JSONSink) { sink.int(self) }
}

extension Int64: JSONScalar {
    func write(to sink: JSONSink) { sink.int(self) }
}

/// The byte buffer behind the encoder, with one entry per open object or array.
final class JSONSink {
    private(set) var bytes: [UInt8] = []
    /// Per open container: how many members it has so far (a comma goes before the next).
    private var open: [(isObject: Bool, count: Int)] = []
    /// The depth at which the value now being encoded may open its container; a second
    /// `container(keyedBy:)` call for the same value (a struct encoding a nested summary
    /// inline) reuses the open one instead of starting a new object.
    private var valueDepth = 0
    /// Values written apart (nested containers, super encoders: their writes may come in any
    /// order with the parent's), spliced in at their offsets when the whole value is done.
    private var children: [(offset: Int, sink: JSONSink)] = []

    init() { bytes.reserveCapacity(512) }

    func value<T: Encodable>(_ value: T) throws {
        switch value {
        case let scalar as any JSONScalar: scalar.write(to: self)
        default:
            let saved = valueDepth
            let start = bytes.count
            valueDepth = open.count
            defer { valueDepth = saved }
            try value.encode(to: WireEncoder(sink: self))
            while open.count > valueDepth { close() }
            if bytes.count == start { bytes.append(contentsOf: "{}".utf8) }
        }
    }

    func null() { bytes.append(contentsOf: Self.nullBytes) }

    // The scalars (see JSONScalar).
    func string(_ text: String) { JSONSink.writeString(text, to: &bytes) }
    func bool(_ flag: Bool) { bytes.append(contentsOf: flag ? Self.trueBytes : Self.falseBytes) }
    func int<I: FixedWidthInteger>(_ number: I) {
        if number >= 0 && number < 10 {
            bytes.append(UInt8(48 + Int(number)))
        } else {
            bytes.append(contentsOf: String(number).utf8)
        }
    }

    func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Opens an object or array for the value being encoded, unless it already has one.
    func openContainer(object: Bool) {
        guard open.count == valueDepth else { return }
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append((object, 0))
    }

    private func close() {
        let last = open.removeLast()
        bytes.append(last.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    /// A member whose value is written apart (a nested container or a super encoder): the
    /// key now, the value spliced in here by `finished()`. An unused one is `{}`.
    func child(key: String?) -> JSONSink {
        member(key: key)
        let child = JSONSink()
        children.append((bytes.count, child))
        return child
    }

    /// The bytes with every open container closed and every child spliced in.
    func finished() -> [UInt8] {
        while !open.isEmpty { close() }
        guard !children.isEmpty else { return bytes.isEmpty ? Array("{}".utf8) : bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var from = 0
        for (offset, child) in children {
            out.append(contentsOf: bytes[from..<offset])
            out.append(contentsOf: child.finished())
            from = offset
        }
        out.append(contentsOf: bytes[from...])
        return out
    }

    /// Starts the next member of the innermost container: a comma if needed, and the key.
    func member(key: String?) {
        if open[open.count - 1].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1].count += 1
        if let key {
            JSONSink.writeString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    private static let nullBytes = Array("null".utf8)
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Escapes quotes, backslashes and control characters (so an SSE `data:` line can never
    /// be split); also `<`, `>`, `&` and the JavaScript line separators, so the text is safe
    /// even if someone embeds it in HTML.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                let byte = bytes[i]
                switch byte {
                case 34: out.append(contentsOf: [92, 34])
                case 92: out.append(contentsOf: [92, 92])
                case 10: out.append(contentsOf: [92, 110])
                case 13: out.append(contentsOf: [92, 114])
                case 9: out.append(contentsOf: [92, 116])
                case 60, 62, 38: escape(UInt32(byte), &out)
                case 0..<0x20: escape(UInt32(byte), &out)
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                case 0xE2 where i + 2 < n && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    escape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029, &out)
                    i += 2
                default:
                    // ASCII, or a byte of a multi-byte sequence (valid UTF-8: Swift strings are).
                    out.append(byte)
                }
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(contentsOf: [92, 117])
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(shift)) & 0xF)]) }
    }
}
