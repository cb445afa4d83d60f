import Foundation
import Synchronization
import Testing
import SwitchboardChat
import SwitchboardCore
@testable import SwitchboardStore

/// Every statement the service runs on a request path reads through an index: none scans
/// messages, events or conversations whole, so a database of a million messages answers
/// like one of a thousand (the bench measures that; this checks the plans).
struct SQLiteQueryPlanTests {
    @Test func noRequestPathStatementScansABigTable() throws {
        let db = try TempDatabase()
        let seen = Mutex<Set<String>>([])
        let store = try SQLiteStore(path: db.path("plans.sqlite"), statementObserver: { sql in seen.withLock { _ = $0.insert(sql) } })
        try store.migrate()
        seen.withLock { $0.removeAll() } // migrations may scan; requests may not
        var policy = ChatPolicy()
        policy.mailEnabled = true
        let service = ChatService(store: store, routing: .auto, hasher: PasswordHasher(logN: 10, maxConcurrent: 2), policy: policy)
        // A workload that touches every request path.
        _ = try service.importFAQs([FAQInput(question: "Where is my order?", answer: "On its way.")], by: .cli)
        let agent = try service.createAgent(username: "alex", password: "correct horse battery", displayName: "Alex", startOnline: true)
        let token = try #require(try service.login(username: "alex", password: "correct horse battery", client: "10.0.0.1")).token
        _ = try service.authenticate(token: token)
        _ = try service.listener(StreamCredentials(authorization: "Bearer \(token)"))
        let chat = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        let id = chat.conversation.id, session = chat.sessionId
        _ = try service.start(sessionId: session, forceNew: false, displayName: nil, email: nil)
        let sent = try service.customerSend(id, sessionId: session, content: "order?", quickReply: nil, clientMessageId: "c1")
        _ = try service.customerSend(id, sessionId: session, content: "order?", quickReply: nil, clientMessageId: "c1")
        _ = try service.escalate(id, sessionId: session, client: "10.0.0.2")
        _ = try service.agentSend(id, by: agent, content: "Hi", clientMessageId: "a1")
        _ = try service.messages(id, access: .customer(sessionId: session), after: sent.customerMessage.id, limit: 50)
        _ = try service.messages(id, access: .agent(agent), after: nil, limit: 50)
        _ = try service.conversations(ConversationQuery(status: .agent, assigned: .to(agentId: agent.id), order: .recentActivity, limit: 50))
        _ = try service.conversations(ConversationQuery(status: .closed, assigned: .anyone, before: Timestamp.now(), order: .recentActivity, limit: 50))
        _ = try service.conversations(.queue(limit: 50, offset: 0), counted: true)
        _ = try service.team()
        _ = try service.widgetConfig()
        _ = try service.release(id, by: agent)
        _ = try service.requestTranscript(id, sessionId: session, email: "robin@example.com")
        _ = try service.close(id, by: agent)
        // Nobody there: an offline message, the out-of-office reply, e-mail, presence.
        _ = try service.setPresence(agentId: agent.id, .offline)
        let offline = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: "jamie@example.com")
        _ = try service.escalate(offline.conversation.id, sessionId: offline.sessionId, message: "hello?", client: "10.0.0.3")
        _ = try service.customerSend(offline.conversation.id, sessionId: offline.sessionId, content: "anyone?", quickReply: nil, clientMessageId: nil)
        _ = try service.agentSend(offline.conversation.id, by: agent, content: "Here now.", clientMessageId: nil)
        try store.write { try $0.setStreamPresence(.agent(agent.id), open: false, at: .now()) }
        _ = try service.sweepPresence(now: Timestamp.now().adding(seconds: 3600))
        _ = try service.decideUnseenReplies(now: Timestamp.now().adding(seconds: 3600))
        for email in try service.claimEmails() { try service.emailSent(email) }
        // Known customers: sign-in, a signed-in session's reads, contacts, export, erasure, the widget's sites.
        let secret = try service.createIdentitySecret(by: .cli)
        let identity = IdentityToken.sign(subject: "customer-1", name: "Jamie", email: nil, issuedAt: Int64(Date().timeIntervalSince1970),
                                       lifetimeSeconds: 600, secret: IdentityToken.Secret(id: secret.id, key: Array(secret.secret.utf8)))
        let anonymous = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
        let known = try service.customerLogin(.token(identity), officer: "alex", previousSessionId: anonymous.sessionId)
        _ = try service.start(sessionId: known.sessionId, forceNew: false, displayName: nil, email: nil)
        _ = try service.messages(known.conversation.id, access: .customer(sessionId: known.sessionId), after: nil, limit: 50)
        _ = try service.listener(StreamCredentials(customerSessionId: known.sessionId, conversationId: known.conversation.id))
        _ = try service.contacts(ContactQuery(prefix: "jam", before: nil, limit: 50))
        _ = try service.contacts(ContactQuery(prefix: nil, before: Timestamp.now(), limit: 50))
        let contactId = try #require(known.contact?.id)
        _ = try service.contactDetail(contactId)
        _ = try service.updateContact(offline.conversation.contactId, name: "Robin", email: nil, by: .cli)
        _ = try service.exportContact(contactId)
        try service.customerLogout(sessionId: known.sessionId)
        _ = try service.frameAncestors(referer: "https://elsewhere.example/page", ownOrigin: nil)
        _ = try service.blockedSites()
        try service.eraseContact(contactId, by: .cli)
        _ = try store.events(after: 0, conversationId: id, limit: 500)
        _ = try store.events(after: 0, limit: 500)
        _ = try store.oldestEventId()

        let statements = seen.withLock { $0 }.filter { $0.hasPrefix("SELECT") || $0.hasPrefix("UPDATE") || $0.hasPrefix("DELETE") }
        #expect(statements.count > 20)
        try store.read { _ in () }
        var scans: [String] = []
        for sql in statements {
            let plan = try store.plan(of: sql)
            for line in plan where Self.isFullScan(line) { scans.append("\(line)  ←  \(sql)") }
        }
        #expect(scans.isEmpty, "full scans of big tables:\n\(scans.joined(separator: "\n"))")
    }

    /// "SCAN messages" without an index; small tables (agents, faqs, settings) may be scanned.
    static func isFullScan(_ line: String) -> Bool {
        let big = ["messages", "events", "conversations", "access_tokens", "audit_log", "emails", "contacts", "customer_sessions"]
        guard line.contains("SCAN") else { return false }
        let table = line.split(separator: " ").drop { $0 != "SCAN" }.dropFirst().first.map(String.init) ?? ""
        return big.contains(table) && !line.contains("USING INDEX") && !line.contains("USING COVERING INDEX")
            && !line.contains("USING INTEGER PRIMARY KEY")
    }
}
