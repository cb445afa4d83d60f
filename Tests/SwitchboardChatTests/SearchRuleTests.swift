import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Full-text search on both engines: prefixes, phrases, accents, notes and contacts,
/// filters, hostile input that is never syntax, and erased contacts gone from the results.
struct SearchRuleTests {
    @Test func queriesQuoteEverythingTheUserTyped() {
        #expect(SearchQuery("refun parcel").fts5 == #""refun"* "parcel"*"#)
        #expect(SearchQuery(#"lost "the parcel" NEAR( * ) -"#).fts5 == #""lost"* "the parcel" "NEAR("*"#)
        #expect(SearchQuery(#"a"b""#).fts5 == #""a"* "b""#)
        #expect(SearchQuery("- * ( )").fts5 == nil)
        #expect(SearchQuery(#"""#).fts5 == nil)
    }

    @Test func snippetsCountScalarsAndKeepTheMatches() {
        let (text, highlights) = SearchHit.snippet("Mon café \u{1}refund\u{2} is \u{1}late\u{2}")
        #expect(text == "Mon café refund is late")
        #expect(highlights == [[9, 15], [19, 23]])
        let long = String(repeating: "word ", count: 100) + "\u{1}needle\u{2} end"
        let (cut, marks) = SearchHit.snippet(long)
        #expect(cut.hasPrefix("…") && cut.unicodeScalars.count <= 162)
        let scalars = Array(cut.unicodeScalars)
        let mark = marks[0]
        #expect(String(String.UnicodeScalarView(scalars[mark[0]..<mark[1]])) == "needle")
    }

    @Test(arguments: Engine.allCases) func findsWordsPrefixesPhrasesAndAccentsAcrossMessagesNotesAndContacts(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let jamie = try desk.service.start(sessionId: nil, forceNew: false, displayName: "Jamie Zoëlle", email: "jamie@example.com")
        _ = try desk.service.updateContact(jamie.conversation.contactId, name: "Jamie Zoëlle", email: nil,
                                           by: AuditEntry.Actor(id: alex.id, username: alex.username))
        try desk.say(jamie.conversation, jamie.sessionId, "My parcel is lost, I want a refund at the café")
        let (other, otherSession) = try desk.start()
        try desk.say(other, otherSession, "Where is the parcel? It is not lost")
        _ = try desk.service.addNote(other.id, by: alex, content: "refund approved by Sam")

        func ids(_ q: String, _ filter: SearchFilter = SearchFilter()) throws -> [String] {
            try desk.service.search(q, filter, limit: 20, by: alex).map(\.conversation.id)
        }
        #expect(try Set(ids("refun")) == [jamie.conversation.id, other.id])        // a prefix, in a message and a note
        #expect(try ids("cafe") == [jamie.conversation.id])                         // accents folded
        #expect(try ids("CAFÉ refund") == [jamie.conversation.id])                  // AND-ed, any case
        #expect(try ids(#""parcel is lost""#) == [jamie.conversation.id])           // a phrase in order
        #expect(try ids("zoelle") == [jamie.conversation.id])                       // the contact's name
        #expect(try ids("nothing-like-this").isEmpty)

        let results = try desk.service.search("approved", SearchFilter(), limit: 20, by: alex)
        let hit = try #require(results.first?.hits.first)
        #expect(hit.type == .note && hit.senderType == nil)
        let scalars = Array(hit.snippet.unicodeScalars)
        #expect(hit.highlights.map { String(String.UnicodeScalarView(scalars[$0[0]..<$0[1]])) } == ["approved"])

        // Hostile input is text: never an error, never everything.
        for hostile in [#"""#, "*", "NEAR(", ")", "-", "parcel\" OR \"", "AND", "{", "col:parcel", "^parcel"] {
            _ = try ids(hostile)
        }
        #expect(try ids("parcel\" OR \"x").isEmpty)
        #expect(throws: AppError.self) { _ = try ids("   ") }
        #expect(throws: AppError.self) { _ = try ids(String(repeating: "a", count: 201)) }

        // Filters: status and time.
        #expect(try ids("parcel", SearchFilter(status: .closed)).isEmpty)
        var open = SearchFilter()
        open.openOnly = true
        #expect(try Set(ids("parcel", open)) == [jamie.conversation.id, other.id])
        #expect(try ids("parcel", SearchFilter(to: Timestamp(milliseconds: 0))).isEmpty)
    }

    @Test func datesAreRealDaysInTheShopsZone() throws {
        let desk = try Desk(.memory)
        #expect(try desk.service.shopDay("2026-12-01").milliseconds == 1_796_083_200_000)
        #expect(try desk.service.shopDay("2026-12-01", nextDay: true).milliseconds == 1_796_169_600_000)
        for bad in ["2026-13-01", "2026-00-10", "2026-02-30", "2026-2-3", "yesterday", "2026-12-01T00:00"] {
            refused("invalid_date") { _ = try desk.service.shopDay(bad) }
        }
    }

    @Test(arguments: Engine.allCases) func anErasedContactIsGoneFromTheResults(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let gone = try desk.service.start(sessionId: nil, forceNew: false, displayName: "Quentin Quill", email: "quill@example.com")
        try desk.say(gone.conversation, gone.sessionId, "xylophonic request about my order")
        #expect(try desk.service.search("xylophonic", SearchFilter(), limit: 5, by: alex).count == 1)
        try desk.service.eraseContact(gone.conversation.contactId, by: AuditEntry.Actor(id: nil, username: "cli"))
        #expect(try desk.service.search("xylophonic", SearchFilter(), limit: 5, by: alex).isEmpty)
    }
}
