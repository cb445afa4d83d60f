import SwitchboardCore
import Testing
@testable import SwitchboardMail

/// Where the sender's connection goes: the `CURLOPT_RESOLVE` entry that pins a host name to
/// the address that was checked (libcurl 7.88 parses `host:port:address`, an IPv6 address in
/// brackets, and refuses any entry whose host is an IPv6 literal).
struct WebhookPinTests {
    static func target(_ url: String) throws -> WebhookTarget {
        try WebhookTarget.parse(url, policy: WebhookAddressPolicy(allowHTTP: true, allowPrivate: true))
    }

    @Test func aNameIsPinnedToTheCheckedAddress() throws {
        #expect(WebhookSender.pin(try Self.target("https://Hooks.Example/in"), [93, 184, 216, 34]) == "hooks.example:443:93.184.216.34")
        let v6: [UInt8] = [0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 0x01, 0x02, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46]
        #expect(WebhookSender.pin(try Self.target("http://hooks.example:8080/in"), v6)
                == "hooks.example:8080:[2606:2800:220:1:248:1893:25c8:1946]")
    }

    @Test func anIPv6LiteralIsNotPinned() throws {
        let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
        #expect(WebhookSender.pin(try Self.target("http://[::1]:8080/in"), loopback) == nil)
    }

    @Test func anIPv4LiteralIsPinnedToItself() throws {
        #expect(WebhookSender.pin(try Self.target("http://127.0.0.1:9/in"), [127, 0, 0, 1]) == "127.0.0.1:9:127.0.0.1")
    }
}
