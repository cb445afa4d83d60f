import Foundation
import Testing
import SwitchboardCore

/// The one query parser, used by the worker's requests and the notifier's stream URLs.
struct QueryStringTests {
    @Test func decodesPlusAndPercentEscapes() {
        #expect(QueryString.parse("q=a+b%20c&name=J%C3%A9r%C3%B4me&plus=%2B") == ["q": "a b c", "name": "Jérôme", "plus": "+"])
    }

    @Test func firstKeyWinsAndEmptyKeysAreSkipped() {
        #expect(QueryString.parse("last_event_id=1&last_event_id=2") == ["last_event_id": "1"])
        #expect(QueryString.parse("=x&&a&b=&c=1=2") == ["a": "", "b": "", "c": "1=2"])
        #expect(QueryString.parse("") == [:])
    }

    @Test func keysAreDecodedToo() {
        #expect(QueryString.parse("conversation%5Fid=c") == ["conversation_id": "c"])
    }

    @Test func malformedEscapesLeaveTheComponentAsItIs() {
        #expect(QueryString.decode("100%") == "100%")
        #expect(QueryString.decode("a+%zz") == "a %zz")
        #expect(QueryString.decode("%4") == "%4")
        #expect(QueryString.decode("%FF%FE") == "%FF%FE")   // not UTF-8
    }

    /// The parser replaced Foundation's `removingPercentEncoding` in the worker: it must
    /// answer the same for every component, odd ones included.
    @Test(arguments: [
        "", "plain", "a+b", "%41%42", "%e2%9c%93", "%E2%9C", "%", "%%", "%2", "%g0", "a%2Bb", "%00x",
        "%C3%A9t%C3%A9", "100%25", "+%2B+", "%F0%9F%98%80", "%C0%AF", "%ED%A0%80", "😀%20", "%7e",
    ])
    func decodesLikeFoundation(_ component: String) {
        let plus = component.replacingOccurrences(of: "+", with: " ")
        #expect(QueryString.decode(component) == (plus.removingPercentEncoding ?? plus))
    }
}
