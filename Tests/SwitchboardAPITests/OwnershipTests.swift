import Foundation
import Testing
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore

/// Who may call what, read from the router's own table: every registered route is tried
/// with every wrong credential, so a route added tomorrow is covered without anyone listing
/// it here.
struct OwnershipTests {
    /// A path of the table with its parameters filled: `:id` the conversation (a customer or
    /// agent route; on admin routes the credential is refused before the id is looked at).
    static func path(_ entry: Router.Entry, conversation: String) -> String {
        "/" + entry.path.split(separator: "/").map { part in
            switch part {
            case ":id": conversation
            case ":slug": "return-policy"
            default: String(part)
            }
        }.joined(separator: "/")
    }

    /// The body each owner's call needs (routes that take none get `{}` or nothing).
    static func body(_ entry: Router.Entry) -> String? {
        switch entry.path.split(separator: "/").last.map(String.init) {
        case "messages" where entry.method == "POST": #"{"content":"hi"}"#
        case "typing": #"{"typing":true}"#
        case "contact", "transcript": #"{"email":"robin@example.com"}"#
        case "rating": #"{"score":5}"#
        case "attachments": "Order 1234: the zip is broken.\n"   // a text file's bytes
        default: entry.method == "GET" ? nil : "{}"
        }
    }

    /// The credentials that must not get in, each with the status and code it must get.
    enum Wrong: CaseIterable { case none, otherCustomer, agentOnAdmin, expiredToken, agentKeyOnAdmin, revokedKey }

    static func expectation(_ wrong: Wrong, _ audience: Audience) -> (Int, [String])? {
        switch (wrong, audience) {
        case (_, .public): nil
        // In-process requests come from no address: never this host's, so never let in.
        case (_, .monitor): (403, ["metrics_forbidden"])
        case (.none, .customer), (.none, .customerSession): (401, ["missing_session"])
        case (.none, _): (401, ["missing_token"])
        case (.otherCustomer, .customer): (403, ["not_your_conversation"])
        // An anonymous session is no sign-in.
        case (.otherCustomer, .customerSession): (401, ["invalid_session"])
        case (.otherCustomer, _): (401, ["missing_token"])
        case (.agentOnAdmin, .admin), (.agentKeyOnAdmin, .admin): (403, ["admin_required"])
        case (.agentOnAdmin, _), (.agentKeyOnAdmin, _): nil
        case (.revokedKey, .customer), (.revokedKey, .customerSession): (401, ["missing_session"])
        case (.revokedKey, _): (401, ["invalid_token"])
        case (.expiredToken, .customer), (.expiredToken, .customerSession): (401, ["missing_session"])
        case (.expiredToken, _): (401, ["invalid_token"])
        }
    }

    @Test(arguments: Wrong.allCases)
    func everyRouteRefusesAWrongCredential(_ wrong: Wrong) throws {
        let api = try TestAPI(mail: true)
        let (id, _) = try api.start()
        let (_, intruder) = try api.start()
        let agentToken = try api.agentToken("alex")
        // A token of the same desk that has expired: issued by a service whose tokens live -1 s.
        _ = try api.agentToken("robin")
        let expiring = ChatService(store: api.service.store, tokenTTLSeconds: -1, hasher: PasswordHasher(logN: 10, maxConcurrent: 1))
        let expired = try #require(try expiring.login(username: "robin", password: "correct horse battery")).token
        // API keys: one of the agent role, and one revoked.
        let agentKey = try api.service.createApiKey(ApiKeyInput(name: "Order system", role: .agent), by: .cli).key
        let revoked = try api.service.createApiKey(ApiKeyInput(name: "Old CRM", role: .admin), by: .cli)
        try api.service.revokeApiKey(id: revoked.apiKey.id, by: .cli)
        let cursor = try api.service.latestEventId()

        let routes = api.app.routes
        // Not vacuous: the table has every audience, and the officer aliases.
        #expect(Set(routes.map(\.audience)) == Set(Audience.allCases))
        #expect(routes.contains { $0.path.hasPrefix("/api/v1/officer/") && $0.audience == .admin })
        var tried = 0
        for entry in routes {
            guard let (status, codes) = Self.expectation(wrong, entry.audience) else { continue }
            var headers: [String: String] = [:]
            switch wrong {
            case .none: break
            case .otherCustomer: headers = session(intruder)
            case .agentOnAdmin: headers = bearer(agentToken)
            case .expiredToken: headers = bearer(expired)
            case .agentKeyOnAdmin: headers = bearer(agentKey)
            case .revokedKey: headers = bearer(revoked.key)
            }
            let path = Self.path(entry, conversation: id)
            let result = api.call(entry.method, path, json: Self.body(entry), headers: headers)
            #expect(result.status == status, "\(entry.method) \(path) (\(entry.audience))")
            #expect(codes.contains(result.code ?? ""), "\(entry.method) \(path): \(result.text)")
            if status == 401 { #expect(result.header("WWW-Authenticate") != nil, "\(entry.method) \(path)") }
            tried += 1
        }
        #expect(tried > 0)
        // Nothing a refused request asked for happened.
        #expect(try api.service.latestEventId() == cursor)
        #expect(api.realtime.received.isEmpty)
    }

    /// The owner of a conversation gets into every customer route of the table.
    @Test func theOwnerGetsIntoEveryCustomerRoute() throws {
        let api = try TestAPI(mail: true)
        let customerRoutes = api.app.routes.filter { $0.audience == .customer }
        #expect(customerRoutes.count >= 8)
        for entry in customerRoutes {
            let (id, mine) = try api.start()
            let path = Self.path(entry, conversation: id)
            // nginx tells the upload check the upload's declared length.
            let length = entry.path.hasPrefix("/internal/upload-check/") ? ["X-Upload-Length": "30"] : [:]
            let result = api.call(entry.method, path, json: Self.body(entry), headers: session(mine).merging(length) { $1 })
            // Past the door, a rule may still say "not yet": a chat is rated once it has closed.
            let notYet = entry.path.hasSuffix("/rating") && result.status == 409 && result.code == "not_closed"
            #expect((200...204).contains(result.status) || notYet, "\(entry.method) \(path): \(result.text)")
        }
    }

    @Test func aLoggedOutTokenIsRefusedEverywhereAnAgentMayGo() throws {
        let api = try TestAPI()
        let (id, _) = try api.start()
        let token = try api.agentToken("alex")
        #expect(api.call("POST", "/api/v1/agent/auth/logout", headers: bearer(token)).status == 204)
        for entry in api.app.routes where entry.audience == .agent || entry.audience == .admin {
            let result = api.call(entry.method, Self.path(entry, conversation: id), json: Self.body(entry), headers: bearer(token))
            #expect(result.status == 401 && result.code == "invalid_token", "\(entry.method) \(entry.path)")
        }
    }

    @Test func agentViewsNeverContainTheCustomerSession() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        _ = api.call("POST", "/api/v1/customer/conversations/\(id)/escalate", headers: session(mine))
        let token = try api.agentToken("alex")
        for path in ["/api/v1/agent/queue", "/api/v1/agent/conversations", "/api/v1/agent/conversations/\(id)/messages"] {
            let raw = api.call("GET", path, headers: bearer(token)).raw
            #expect(!String(decoding: raw.body, as: UTF8.self).contains(mine), "\(path)")
        }
    }

    @Test func registerNeedsAnAdmin() throws {
        let api = try TestAPI()
        let body = #"{"username":"newbie","password":"long enough pw","display_name":"New Bie"}"#
        let agent = api.call("POST", "/api/v1/agent/register", json: body, headers: bearer(try api.agentToken("alex")))
        #expect(agent.status == 403)
        let admin = api.call("POST", "/api/v1/agent/register", json: body, headers: bearer(try api.agentToken("root", role: .admin)))
        #expect(admin.status == 201)
        let created = try admin.decode(Agent.self)
        #expect(created.username == "newbie")
        #expect(created.presence == .offline)
        #expect(!admin.text.contains("password"))
        let again = api.call("POST", "/api/v1/agent/register", json: body, headers: bearer(try api.agentToken("root", role: .admin)))
        #expect(again.status == 409)
    }
}
