import Testing
import SwitchboardCore

/// The worker–notifier contract: what one side encodes the other decodes, byte for byte as
/// docs/CONTRACTS.md describes, and anything else is ignored.
struct NotifierDatagramTests {
    @Test func wakeIsOneByte() {
        #expect(NotifierDatagram.wake.encode() == [UInt8(ascii: "W")])
        #expect(NotifierDatagram.decode([UInt8(ascii: "W")]) == .wake)
    }

    @Test func typingHasTheDocumentedBytes() {
        let datagram = NotifierDatagram.typing(name: .agentTyping, conversationId: "c-1", data: #"{"typing":true}"#)
        #expect(String(decoding: datagram.encode(), as: UTF8.self) == "Tagent.typing\nc-1\n{\"typing\":true}")
    }

    @Test(arguments: [
        NotifierDatagram.wake,
        .typing(name: .agentTyping, conversationId: "0b6c-conv", data: #"{"conversation_id":"0b6c-conv","typing":true}"#),
        .typing(name: .customerTyping, conversationId: "c", data: #"{"a":"é ✓ \u2028"}"#),
        .typing(name: .customerTyping, conversationId: "", data: ""),
    ])
    func roundTrips(_ datagram: NotifierDatagram) {
        #expect(NotifierDatagram.decode(datagram.encode()) == datagram)
        // Also from a slice of a larger receive buffer, as the listener reads it.
        let buffer = datagram.encode() + [0, 0, 0]
        #expect(NotifierDatagram.decode(buffer[0..<(buffer.count - 3)]) == datagram)
    }

    @Test(arguments: [
        "",                                            // empty
        "X",                                           // unknown kind
        "w",                                           // kinds are case-sensitive
        "T",                                           // no parts
        "Tagent.typing",                               // name only
        "Tagent.typing\nc-1",                          // no data part
        "Tmessage.created\nc-1\n{}",                   // a stored event's name: never from a datagram
        "Tnot.an.event\nc-1\n{}",                      // unknown name
        "Tagent.typing\nc-1\n{}\nevent: forged",       // a newline in the data would inject an SSE line
    ])
    func malformedDatagramsAreIgnored(_ text: String) {
        #expect(NotifierDatagram.decode(Array(text.utf8)) == nil)
    }

    @Test func aTypingNameThatDecodeRefusesDoesNotRoundTrip() {
        // encode() is not the guard: the notifier's decode() is, since it trusts no sender.
        #expect(NotifierDatagram.decode(NotifierDatagram.typing(name: .messageCreated, conversationId: "c", data: "{}").encode()) == nil)
    }
}
