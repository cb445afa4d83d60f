import Foundation
import Testing
@testable import SwitchboardCore

/// Nested containers and super encoders, which the streaming encoder once refused with a
/// crash (and a keyed super encoder wrote its value without its key): every shape Codable
/// allows comes out as the JSON Foundation's encoder writes, decoded back to compare.
struct WireEncoderContainerTests {
    /// Writes into two nested containers in interleaved order, an unkeyed one inside an
    /// array, a keyed and an unkeyed super encoder, and one super encoder it never uses.
    struct Tangled: Encodable {
        enum Keys: String, CodingKey { case first, second, list, base, unused, tail }
        enum Inner: String, CodingKey { case a, b }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var first = c.nestedContainer(keyedBy: Inner.self, forKey: .first)
            var second = c.nestedContainer(keyedBy: Inner.self, forKey: .second)
            try second.encode(2, forKey: .a)
            try first.encode("one", forKey: .a)
            var list = c.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var inner = list.nestedUnkeyedContainer()
            try inner.encode(true)
            var object = list.nestedContainer(keyedBy: Inner.self)
            try object.encode("x", forKey: .b)
            try first.encode(1.5, forKey: .b)
            try ["k": "v"].encode(to: c.superEncoder(forKey: .base))
            _ = c.superEncoder(forKey: .unused)
            try "s".encode(to: c.superEncoder())
            try c.encode("end", forKey: .tail)
        }
    }

    func object(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test func everyContainerShapeIsValidJSONEqualToFoundations() throws {
        let ours = try WireJSON.encode(Tangled())
        let foundation = try JSONEncoder().encode(Tangled())
        #expect(try object(ours) == object(Array(foundation)), "\(String(decoding: ours, as: UTF8.self))")
    }

    @Test func aSuperEncoderInsideAnArrayAndEmptyNestedContainers() throws {
        struct Shapes: Encodable {
            func encode(to encoder: any Encoder) throws {
                var list = encoder.unkeyedContainer()
                try 7.encode(to: list.superEncoder())
                _ = list.nestedContainer(keyedBy: WireEncoderContainerTests.Tangled.Inner.self)
                _ = list.nestedUnkeyedContainer()
            }
        }
        #expect(String(decoding: try WireJSON.encode(Shapes()), as: UTF8.self) == "[7,{},[]]")
    }
}
