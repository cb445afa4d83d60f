import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore
@testable import SwitchboardStore

/// An erased contact's words linger nowhere in SQLite's files: `secure_delete` zeroes the
/// rows' space in the database and the erasure's TRUNCATE checkpoint empties the WAL.
struct ErasureTests {
    @Test func anErasedPhraseIsInNeitherTheDatabaseNorTheWAL() throws {
        let db = try TempDatabase()
        #expect(try db.store.writerSecureDelete() == 1)
        let service = ChatService(store: db.store, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        let phrase = "unforgettable-phrase-\(UUID().uuidString)"
        let (chat, session) = try { () -> (String, String) in
            let started = try service.start(sessionId: nil, forceNew: false, displayName: "Robin Example", email: "robin@example.com")
            return (started.conversation.id, started.sessionId)
        }()
        for _ in 0..<20 {
            _ = try service.customerSend(chat, sessionId: session, content: "\(phrase) — order 1234", quickReply: nil, clientMessageId: nil)
        }
        // A second contact stays, so the pages are reused rather than all freed.
        let other = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        _ = try service.customerSend(other.conversation.id, sessionId: other.sessionId, content: "keep me", quickReply: nil, clientMessageId: nil)
        let files = ["test.sqlite", "test.sqlite-wal"]
        #expect(files.contains { (try? Data(contentsOf: URL(fileURLWithPath: db.path($0))))?.range(of: Data(phrase.utf8)) != nil })

        let contact = try #require(try service.conversation(chat, access: .customer(sessionId: session)).contactId as String?)
        try service.eraseContact(contact, by: AuditEntry.Actor(id: nil, username: "cli"))

        for file in files {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: db.path(file)))) ?? Data()
            #expect(bytes.range(of: Data(phrase.utf8)) == nil, "\(file) still holds the phrase")
            #expect(bytes.range(of: Data("Robin Example".utf8)) == nil, "\(file) still holds the name")
        }
        #expect(try service.messages(other.conversation.id, access: .customer(sessionId: other.sessionId), after: nil, limit: 10)
            .messages.contains { $0.content == "keep me" })
    }
}
