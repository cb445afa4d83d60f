import Foundation
import Testing
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore

/// Every conversation route checks who is asking.
struct OwnershipTests {
    static let customerRoutes: [(String, String, String?)] = [
        ("GET", "", nil),
        ("GET", "/messages", nil),
        ("POST", "/messages", #"{"content":"hi"}"#),
        ("POST", "/quick-replies/return-policy", nil),
        ("POST", "/escalate", nil),
        ("POST", "/typing", #"{"typing":true}"#),
        ("POST", "/contact", #"{"email":"robin@example.com"}"#),
        ("POST", "/transcript", #"{"email":"robin@example.com"}"#),
    ]

    @Test(arguments: customerRoutes)
    func anotherSessionGets403(_ route: (String, String, String?)) throws {
        let api = try TestAPI()
        let (id, _) = try api.start()
        let (_, intruder) = try api.start()
        let result = api.call(route.0, "/api/v1/customer/conversations/\(id)\(route.1)", json: route.2, headers: session(intruder))
        #expect(result.status == 403)
        #expect(result.code == "not_your_conversation")
        #expect(api.realtime.received.isEmpty)
    }

    @Test(arguments: customerRoutes)
    func missingSessionGets401(_ route: (String, String, String?)) throws {
        let api = try TestAPI()
        let (id, _) = try api.start()
        let result = api.call(route.0, "/api/v1/customer/conversations/\(id)\(route.1)", json: route.2)
        #expect(result.status == 401)
        #expect(result.code == "missing_session")
    }

    @Test(arguments: customerRoutes)
    func theOwnerGetsIn(_ route: (String, String, String?)) throws {
        let api = try TestAPI(mail: true)
        let (id, mine) = try api.start()
        let result = api.call(route.0, "/api/v1/customer/conversations/\(id)\(route.1)", json: route.2, headers: session(mine))
        #expect((200...204).contains(result.status))
    }

    static let agentRoutes: [(String, String, String?)] = [
        ("POST", "/auth/logout", nil), ("POST", "/register", #"{"username":"x1","password":"long enough pw","display_name":"X"}"#),
        ("GET", "/me", nil), ("POST", "/presence", #"{"presence":"online"}"#), ("GET", "/conversations", nil),
        ("GET", "/queue", nil), ("POST", "/conversations/ID/claim", nil), ("POST", "/conversations/ID/release", nil),
        ("GET", "/conversations/ID/messages", nil), ("POST", "/conversations/ID/messages", #"{"content":"hi"}"#),
        ("POST", "/conversations/ID/close", nil), ("POST", "/conversations/ID/typing", #"{"typing":true}"#),
    ]

    enum TokenCase: String, CaseIterable { case missing, wrong, malformed, expired, loggedOut }

    @Test(arguments: TokenCase.allCases)
    func agentRoutesNeedAValidToken(_ tokenCase: TokenCase) throws {
        let api = try TestAPI(tokenTTLSeconds: tokenCase == .expired ? -1 : 3600)
        let (id, _) = try api.start()
        var headers: [String: String] = [:]
        switch tokenCase {
        case .missing: break
        case .wrong: headers = bearer("sbt_" + String(repeating: "A", count: 43))
        case .malformed: headers = ["Authorization": "Basic YWRtaW46YWRtaW4="]
        case .expired: headers = bearer(try api.agentToken("alex"))
        case .loggedOut:
            let token = try api.agentToken("alex")
            #expect(api.call("POST", "/api/v1/agent/auth/logout", headers: bearer(token)).status == 204)
            headers = bearer(token)
        }
        for prefix in ["/api/v1/agent", "/api/v1/officer"] {
            for route in Self.agentRoutes {
                let path = prefix + route.1.replacingOccurrences(of: "ID", with: id)
                let result = api.call(route.0, path, json: route.2, headers: headers)
                #expect(result.status == 401, "\(route.0) \(path)")
                #expect(result.raw.headers.contains { $0.0 == "WWW-Authenticate" })
            }
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
