import Foundation
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore
import SwitchboardFiles
import SwitchboardMetrics
import SwitchboardStore

/// Records typing signals instead of sending datagrams, so tests can see them.
final class RecordingRealtime: RealtimeSink, @unchecked Sendable {
    private let lock = NSLock()
    private var signals: [TypingSignal] = []
    func typing(_ signal: TypingSignal) { lock.lock(); signals.append(signal); lock.unlock() }
    var received: [TypingSignal] { lock.lock(); defer { lock.unlock() }; return signals }
}

/// An answer, read back through the same wire types the routes encode.
struct Reply {
    let status: Int
    let raw: HTTPResponse

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try WireJSON.decode(T.self, from: raw.body) }
    /// The error body, or nil when the answer is not one.
    var error: ErrorBody? { try? decode(ErrorBody.self) }
    var code: String? { error?.code }
    var text: String { String(decoding: raw.body, as: UTF8.self) }
    func header(_ name: String) -> String? { raw.headers.first { $0.0 == name }?.1 }
}

/// The API in-process on a real SQLite file (removed afterwards), with the demo FAQs.
final class TestAPI: @unchecked Sendable {
    let app: SwitchboardApp
    let service: ChatService
    let realtime = RecordingRealtime()
    let metrics: WorkerMetrics
    private let directory: String

    /// `mail`: as if SMTP were configured (e-mails are queued; nothing is sent in-process).
    /// `metricsToken`: what `/metrics/worker` wants (nil: loopback clients only).
    init(routing: RoutingMode = .manual, tokenTTLSeconds: Int64 = 3600, mail: Bool = false, metricsToken: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let metrics = WorkerMetrics()
        self.metrics = metrics
        let store = try SQLiteStore(path: directory + "/api.sqlite",
                                    commitObserver: { batch, took in metrics.committed(batch: batch, took: took) })
        try store.migrate()
        var policy = ChatPolicy()
        policy.mailEnabled = mail
        service = ChatService(store: store, routing: routing, tokenTTLSeconds: tokenTTLSeconds,
                              hasher: PasswordHasher(logN: 10, maxConcurrent: 4), policy: policy)
        _ = try service.importFAQs(demoFAQs, by: .cli)
        app = SwitchboardApp(service: service, realtime: realtime, metrics: metrics, metricsToken: metricsToken,
                             files: try FileStore(directory: directory + "/files"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func call(_ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:],
              query: [String: String] = [:], from remoteAddress: String = "") -> Reply {
        var all = headers
        if json != nil { all["Content-Type"] = all["Content-Type"] ?? "application/json" }
        let response = app.handle(HTTPRequest(method: method, path: path, query: query, headers: all,
                                              body: Array((json ?? "").utf8), requestId: "test", remoteAddress: remoteAddress))
        return Reply(status: response.status, raw: response)
    }

    /// Starts a conversation of a shopper who gave their e-mail (so asking for a person
    /// works with nobody online); returns (conversation id, session id).
    func start() throws -> (String, String) {
        let answer = try call("POST", "/api/v1/customer/conversations/start", json: #"{"email":"shopper@example.com"}"#)
            .decode(CustomerAnswer.Start.self)
        return (answer.conversation.id, answer.conversation.customerSessionId)
    }

    func agentToken(_ username: String, role: AgentRole = .agent) throws -> String {
        if try service.agent(username: username) == nil {
            _ = try service.createAgent(username: username, password: "correct horse battery", displayName: username.capitalized, role: role)
        }
        let login = call("POST", "/api/v1/agent/auth/login", json: #"{"username":"\#(username)","password":"correct horse battery"}"#)
        return try login.decode(AgentAnswer.Login.self).accessToken
    }
}

func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }
func session(_ id: String) -> [String: String] { ["X-Customer-Session-Id": id] }

/// The demo shop's FAQ file, as `switchboard seed` imports it.
let demoFAQs: [FAQInput] = {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/switchboard/demo-faqs.json").standardized
    return try! DemoData.readFAQs([UInt8](try! Data(contentsOf: file)))
}()
