import Foundation
import SwitchboardAPI
import SwitchboardCore
import SwitchboardStore

/// Records typing signals instead of sending datagrams, so tests can see them.
final class RecordingRealtime: RealtimeSink, @unchecked Sendable {
    private let lock = NSLock()
    private var signals: [TypingSignal] = []
    func typing(_ signal: TypingSignal) { lock.lock(); signals.append(signal); lock.unlock() }
    var received: [TypingSignal] { lock.lock(); defer { lock.unlock() }; return signals }
}

/// The API in-process on a real SQLite file, with a logged-in admin and agent.
struct TestAPI {
    let app: SwitchboardApp
    let store: Store
    let realtime = RecordingRealtime()

    init(routing: RoutingMode = .manual, tokenTTLSeconds: Int64 = 3600) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try Store(path: dir + "/api.sqlite", routing: routing, tokenTTLSeconds: tokenTTLSeconds,
                          hasher: PasswordHasher(logN: 10, maxConcurrent: 4))
        try store.migrate()
        try DemoData.seedFAQs(store)
        app = SwitchboardApp(store: store, realtime: realtime)
    }

    func call(_ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:],
              query: [String: String] = [:]) -> (status: Int, body: [String: Any], raw: HTTPResponse) {
        var all = headers
        if json != nil { all["Content-Type"] = all["Content-Type"] ?? "application/json" }
        let response = app.handle(HTTPRequest(method: method, path: path, query: query, headers: all,
                                              body: Array((json ?? "").utf8), requestId: "test"))
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status, object, response)
    }

    /// Starts a conversation; returns (conversation id, session id).
    func start() -> (String, String) {
        let result = call("POST", "/api/v1/customer/conversations/start", json: "{}")
        let conversation = result.body["conversation"] as! [String: Any]
        return (conversation["id"] as! String, conversation["customer_session_id"] as! String)
    }

    func agentToken(_ username: String, role: AgentRole = .agent) throws -> String {
        if try store.agent(username: username) == nil {
            _ = try store.createAgent(username: username, password: "correct horse battery", displayName: username.capitalized, role: role)
        }
        let result = call("POST", "/api/v1/agent/auth/login", json: #"{"username":"\#(username)","password":"correct horse battery"}"#)
        return result.body["access_token"] as! String
    }
}

func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }
func session(_ id: String) -> [String: String] { ["X-Customer-Session-Id": id] }
