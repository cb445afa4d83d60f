import Foundation
import Logging
import Synchronization
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore

/// One request of an input and how it was answered (the replay test reads these).
public struct FuzzOutcome: Sendable, Equatable {
    public let method: String
    public let path: String
    public let status: Int
    /// The error body's `code` for 4xx answers.
    public let code: String?
}

/// An answer that breaks an invariant: a bug, whatever the input was.
public struct FuzzViolation: Error, CustomStringConvertible {
    public let problem: String
    /// Which request of the input (0-based).
    public let request: Int
    public let method: String
    public let uri: String
    public let status: Int
    public let body: String
    /// What the API logged at error level while answering (an unhandled error's type and text).
    public let logged: [String]

    public var description: String {
        var text = "switchboard-fuzz: request \(request) \(method) \(uri) answered \(status): \(problem)\n  body: \(body)"
        for line in logged { text += "\n  logged: \(line)" }
        return text
    }
}

/// libFuzzer's entry: runs one input and traps on any broken invariant, so the fuzzer
/// saves the input as a crash file and prints the violation.
public func fuzzOne(_ data: [UInt8]) {
    do {
        _ = try fuzzCheck(data)
    } catch {
        fatalError("\(error)")
    }
}

/// Runs one input (see `FuzzInput` for the format) through CGI parameters → `HTTPRequest`
/// → `SwitchboardApp.handle` on a fresh fork of the seeded memory store, checking every
/// answer; throws the first `FuzzViolation`. Deterministic apart from fresh random ids.
public func fuzzCheck(_ data: [UInt8]) throws -> [FuzzOutcome] {
    let seed = Seed.shared
    let (auto, chunks) = FuzzInput.split(data)
    let service = ChatService(store: seed.store.fork(), routing: auto ? .auto : .manual, hasher: seed.hasher)
    let log = CapturedLog()
    let app = SwitchboardApp(service: service, realtime: NoRealtime(),
                             logger: Logger(label: "switchboard.fuzz", factory: { _ in CapturingLogHandler(log: log) }),
                             files: seed.files)
    var values = seed.placeholders
    // The newest conversation and token this input made; the seeded ones until then.
    values["$NEWC"] = values["$C0"]
    values["$NEWS"] = values["$S0"]
    values["$TOKEN"] = values["$AGENT"]
    var outcomes: [FuzzOutcome] = []
    for (index, chunk) in chunks.enumerated() {
        let raw = FuzzInput.request(chunk)
        let body = FuzzInput.substitute(raw.body, values)
        let params = FuzzInput.cgiParams(FuzzInput.substitute(raw.head, values), bodyCount: body.count,
                                         requestId: "fuzz-\(index)")
        // What the worker does (switchboard-worker/main.swift): a body over the cap is
        // answered before routing.
        let request: HTTPRequest
        let response: HTTPResponse
        if body.count > FuzzInput.maxBodyBytes {
            request = HTTPRequest(cgi: params, body: [])
            response = app.respond(request, with: SwitchboardApp.bodyTooLarge(limit: FuzzInput.maxBodyBytes))
        } else {
            request = HTTPRequest(cgi: params, body: body)
            response = app.handle(request)
        }
        let code = try Invariants.check(request, response) { problem in
            FuzzViolation(problem: problem, request: index, method: request.method, uri: params["REQUEST_URI"] ?? "",
                          status: response.status, body: String(decoding: response.body.prefix(400), as: UTF8.self),
                          logged: log.lines)
        }
        learn(request, response, &values)
        outcomes.append(FuzzOutcome(method: request.method, path: request.path, status: response.status, code: code))
    }
    return outcomes
}

/// Later requests may name what earlier ones made: `$NEWC`/`$NEWS` after a start,
/// `$TOKEN` after a login.
private func learn(_ request: HTTPRequest, _ response: HTTPResponse, _ values: inout [String: String]) {
    guard (200...299).contains(response.status), !response.body.isEmpty else { return }
    if request.path.hasSuffix("/conversations/start"),
       let start = try? WireJSON.decode(CustomerAnswer.Start.self, from: response.body) {
        values["$NEWC"] = start.conversation.id
        values["$NEWS"] = start.conversation.customerSessionId
    } else if request.path.hasSuffix("/auth/login"),
              let login = try? WireJSON.decode(AgentAnswer.Login.self, from: response.body) {
        values["$TOKEN"] = login.accessToken
    }
}

/// What every answer must satisfy, whatever the request.
enum Invariants {
    /// Returns the error body's code (4xx), or throws what `violation` makes of the first problem.
    static func check(_ request: HTTPRequest, _ response: HTTPResponse,
                      _ violation: (String) -> FuzzViolation) throws -> String? {
        func header(_ name: String) -> String? {
            response.headers.first { $0.0.lowercased() == name }?.1
        }
        let status = response.status
        guard (100...599).contains(status) else { throw violation("status outside 100...599") }
        // An unhandled error is a 500; the memory store cannot be unavailable, and the
        // hash pool cannot be full with one caller, so no 5xx is legitimate here.
        guard status < 500 else { throw violation("server error") }
        if !request.requestId.isEmpty, header("x-request-id") != request.requestId {
            throw violation("X-Request-Id is not echoed")
        }
        if status == 401, header("www-authenticate") != "Bearer" { throw violation("401 without WWW-Authenticate: Bearer") }
        if status == 405, (header("allow") ?? "").isEmpty { throw violation("405 without Allow") }
        if status == 429, header("retry-after").flatMap({ Int($0) }) == nil { throw violation("429 without Retry-After") }
        if status == 204 {
            guard response.body.isEmpty else { throw violation("204 with a body") }
            return nil
        }
        if response.stream != nil {
            // The one streamed answer is the reports' CSV; running it must not fail either.
            guard status == 200, header("content-type")?.hasPrefix("text/csv") == true else {
                throw violation("a streamed body that is not a CSV")
            }
            guard (try? response.collectedBody()) != nil else { throw violation("the CSV stream failed") }
            return nil
        }
        if response.body.isEmpty {
            // HEAD answers drop the body; everything else says something.
            guard request.method == "HEAD" else { throw violation("empty body") }
            return nil
        }
        guard let type = header("content-type"), type.hasPrefix("application/json") else {
            throw violation("body without Content-Type: application/json")
        }
        guard (try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])) != nil else {
            throw violation("body is not JSON")
        }
        guard status >= 400 else { return nil }
        guard let error = try? WireJSON.decode(ErrorBody.self, from: response.body), !error.code.isEmpty, !error.detail.isEmpty else {
            throw violation("error answer is not {\"detail\", \"code\"}")
        }
        // The body decoder may refuse a body for its shape, never call valid JSON invalid.
        if error.detail == "The body is not valid JSON.",
           (try? JSONSerialization.jsonObject(with: Data(request.body), options: [.fragmentsAllowed])) != nil {
            throw violation("valid JSON answered as not JSON")
        }
        return error.code
    }
}

/// The API's error-level log lines of one input (the info-level request lines are off).
final class CapturedLog: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func append(_ line: String) { storage.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .error

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        log.append(([event.message.description] + fields).joined(separator: " "))
    }
}
