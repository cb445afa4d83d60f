/// `Encoder` over a `JSONSink`: containers write straight into the byte buffer in the order
/// the value encodes its members. Only `WireJSON.encode` creates one.
struct WireEncoder: Encoder {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        sink.openContainer(object: true)
        return KeyedEncodingContainer(KeyedWriter<Key>(sink: sink))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.openContainer(object: false)
        return ArrayWriter(sink: sink)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(sink: sink) }
}

/// An object's members. Every `encodeIfPresent` writes `null` for nil: absent keys are not
/// part of the contract.
private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        sink.member(key: key.stringValue)
        sink.null()
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        sink.member(key: key.stringValue)
        try sink.value(value)
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        sink.member(key: key.stringValue)
        if let value { try sink.value(value) } else { sink.null() }
    }

    mutating func encode(_ value: String, forKey key: Key) throws { scalar(value, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { scalar(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { scalar(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { scalar(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { scalar(value, key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { scalar(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { scalar(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { scalar(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }

    /// A scalar member written directly (see JSONScalar); nil is `null`.
    private func scalar<T: JSONScalar>(_ value: T?, _ key: Key) {
        sink.member(key: key.stringValue)
        if let value { value.write(to: sink) } else { sink.null() }
    }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        sink.member(key: key.stringValue)
        if let value { try sink.value(value) } else { sink.null() }
    }

    // Nested containers and super encoders write into a child sink under their key, spliced
    // in when the value is done (see `JSONSink.child`), so any order of writes is valid JSON.
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        WireEncoder(sink: sink.child(key: key.stringValue)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        WireEncoder(sink: sink.child(key: key.stringValue)).unkeyedContainer()
    }

    /// Foundation's key for a keyed container's unnamed super encoder.
    mutating func superEncoder() -> any Encoder { WireEncoder(sink: sink.child(key: "super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { WireEncoder(sink: sink.child(key: key.stringValue)) }
}

/// An array's elements.
private struct ArrayWriter: UnkeyedEncodingContainer {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(sink: JSONSink) { self.sink = sink }

    mutating func encodeNil() throws {
        sink.member(key: nil)
        sink.null()
        count += 1
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        sink.member(key: nil)
        try sink.value(value)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        count += 1
        return WireEncoder(sink: sink.child(key: nil)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        count += 1
        return WireEncoder(sink: sink.child(key: nil)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        count += 1
        return WireEncoder(sink: sink.child(key: nil))
    }
}

/// A scalar (a `Timestamp` as its ISO 8601 string, an enum as its raw value).
private struct SingleWriter: SingleValueEncodingContainer {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.null() }
    mutating func encode<T: Encodable>(_ value: T) throws { try sink.value(value) }
    mutating func encode(_ value: String) throws { value.write(to: sink) }
    mutating func encode(_ value: Bool) throws { value.write(to: sink) }
    mutating func encode(_ value: Int) throws { value.write(to: sink) }
    mutating func encode(_ value: Int64) throws { value.write(to: sink) }
    mutating func encode(_ value: Double) throws { sink.raw(value.isFinite ? "\(value)" : "null") }
}
