import Foundation
import SwitchboardChat
import SwitchboardCore
import SwitchboardFiles
import SwitchboardTestSupport

/// The desk every input starts from, made once per process: FAQs, an admin, two agents
/// with live tokens, and one conversation in each state, so authenticated and
/// state-dependent paths are reachable from the first byte. Each input runs on a
/// `fork()` of `store`, so inputs cannot change each other's starting point and a
/// crash reproduces from its file alone.
struct Seed: Sendable {
    static let password = "fuzz-password-1"

    let store: MemoryStore
    /// One hasher (and so one hash thread) for every input; scrypt is kept cheap.
    let hasher: PasswordHasher
    /// Placeholder → value, for `FuzzInput.substitute`.
    let placeholders: [String: String]
    /// Uploads land here: the real libmagic and libvips, in a directory of this process's
    /// own (content-addressed, so inputs share it harmlessly).
    let files: FileStore

    static let shared: Seed = {
        do {
            return try Seed()
        } catch {
            fatalError("switchboard-fuzz: seeding the memory store failed: \(error)")
        }
    }()

    private init() throws {
        store = MemoryStore()
        hasher = PasswordHasher(logN: 10)
        files = try FileStore(directory: FileManager.default.temporaryDirectory.path + "/switchboard-fuzz-files-\(getpid())")
        let service = ChatService(store: store, routing: .manual, hasher: hasher)
        _ = try service.importFAQs([
            FAQInput(question: "What is your return policy?", answer: "30 days, free label.", slug: "return-policy",
                     keywords: ["return", "refund"]),
            FAQInput(question: "When will my order arrive?", answer: "In 2–4 business days.", slug: "delivery-date",
                     keywords: ["delivery", "arrive", "shipping"]),
            FAQInput(question: "Hidden question", answer: "Not offered.", slug: "hidden", enabled: false),
        ], by: .cli)
        let admin = try service.createAgent(username: "fuzzadmin", password: Self.password, displayName: "Fuzz Admin", role: .admin)
        let agent = try service.createAgent(username: "fuzzagent", password: Self.password, displayName: "Fuzz Agent",
                                            startOnline: true)
        let peer = try service.createAgent(username: "fuzzpeer", password: Self.password, displayName: "Fuzz Peer",
                                           maxActiveChats: 1, startOnline: true)
        func token(_ username: String) throws -> String {
            guard let result = try service.login(username: username, password: Self.password, client: "192.0.2.9") else {
                throw AppError.unauthorized("seed login failed", code: "seed")
            }
            return result.token
        }
        var values: [String: String] = [
            "$ADMIN": try token("fuzzadmin"), "$AGENT": try token("fuzzagent"), "$PEER": try token("fuzzpeer"),
            "$A0": admin.id, "$A1": agent.id, "$A2": peer.id, "$PW": Self.password,
        ]
        values["$F0"] = try service.adminFAQs().first?.id ?? ""

        // C0 automated (with a customer message and the bot's answer), C1 queued, C2 held by
        // fuzzagent (who replied), C3 held by fuzzpeer, C4 closed.
        for index in 0..<5 {
            let started = try service.start(sessionId: nil, forceNew: false, displayName: nil, email: nil)
            let id = started.conversation.id
            values["$C\(index)"] = id
            values["$S\(index)"] = started.sessionId
            if index == 0 {
                _ = try service.customerSend(id, sessionId: started.sessionId, content: "where is my refund",
                                             quickReply: nil, clientMessageId: "seed-1")
                continue
            }
            _ = try service.escalate(id, sessionId: started.sessionId, client: "192.0.2.\(10 + index)")
            switch index {
            case 2:
                _ = try service.claim(id, by: agent)
                _ = try service.agentSend(id, by: agent, content: "Hello, I'm on it.", clientMessageId: "seed-2")
            case 3:
                _ = try service.claim(id, by: peer)
            case 4:
                _ = try service.claim(id, by: agent)
                _ = try service.close(id, by: agent)
            default:
                break
            }
        }
        placeholders = values
    }
}
