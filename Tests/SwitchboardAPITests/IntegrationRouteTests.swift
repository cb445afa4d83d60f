import Foundation
import Testing
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore

/// The integration routes as a client calls them (API.md "Webhooks", "API keys"): statuses,
/// the secret and the key shown once, and what a key may not do.
struct IntegrationRouteTests {
    static func json(_ reply: Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.raw.body)) as? [String: Any])
    }

    @Test func aKeyWorksOnAgentRoutesButNeverAsAPerson() throws {
        let api = try TestAPI()
        let admin = try api.agentToken("ada", role: .admin)
        let created = api.call("POST", "/api/v1/admin/api-keys", json: #"{"name":"Order system","role":"agent"}"#, headers: bearer(admin))
        #expect(created.status == 201)
        let owner = api.call("POST", "/api/v1/admin/api-keys", json: #"{"name":"Boss","role":"owner"}"#, headers: bearer(admin))
        #expect(owner.status == 400 && owner.code == "invalid_role")
        let key = try #require(try Self.json(created)["key"] as? String)
        #expect(key.hasPrefix("sbk_"))
        let listed = api.call("GET", "/api/v1/admin/api-keys", headers: bearer(admin))
        #expect(listed.status == 200 && !listed.text.contains(key) && listed.text.contains(String(key.prefix(12))))

        #expect(api.call("GET", "/api/v1/agent/conversations", headers: bearer(key)).status == 200)
        for (method, path, body) in [("POST", "/api/v1/agent/auth/logout", "{}"), ("POST", "/api/v1/agent/presence", #"{"presence":"online"}"#),
                                     ("PATCH", "/api/v1/agent/me", #"{"display_name":"Me"}"#),
                                     ("POST", "/api/v1/agent/me/password", #"{"current_password":"x","new_password":"yyyyyyyyyyyy"}"#)] {
            let reply = api.call(method, path, json: body, headers: bearer(key))
            #expect(reply.status == 403 && reply.code == "person_required", "\(method) \(path): \(reply.text)")
        }
        let me = try Self.json(api.call("GET", "/api/v1/agent/me", headers: bearer(key)))
        #expect(me["integration"] as? Bool == true && me["display_name"] as? String == "Order system")
        // Never in a URL: a key in the query string is no credential.
        #expect(api.call("GET", "/api/v1/agent/conversations", query: ["access_token": key]).status == 401)

        let opened = api.call("POST", "/api/v1/agent/conversations", json: #"{"external_id":"4711","content":"Shipped"}"#, headers: bearer(key))
        #expect(opened.status == 201)
        let again = api.call("POST", "/api/v1/agent/conversations", json: #"{"external_id":"4711"}"#, headers: bearer(key))
        let againBody = try Self.json(again)
        #expect(again.status == 200 && againBody["created"] as? Bool == false)
        let message = try #require(try Self.json(opened)["message"] as? [String: Any])
        #expect((message["sender"] as? [String: Any])?["integration"] as? String == "Order system")

        let id = try #require(try Self.json(created)["id"] as? String)
        #expect(api.call("DELETE", "/api/v1/admin/api-keys/\(id)", headers: bearer(admin)).status == 204)
        let after = api.call("GET", "/api/v1/agent/conversations", headers: bearer(key))
        #expect(after.status == 401 && after.code == "invalid_token")
        #expect(api.call("DELETE", "/api/v1/admin/api-keys/nope", headers: bearer(admin)).code == "api_key_not_found")
    }

    @Test func webhookRoutesRefuseWhatTheyMust() throws {
        let api = try TestAPI()
        let admin = try api.agentToken("ada", role: .admin)
        // Loopback is refused without SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE.
        let inside = api.call("POST", "/api/v1/admin/webhooks", json: #"{"url":"https://127.0.0.1/in","events":["message.created"]}"#,
                              headers: bearer(admin))
        #expect(inside.status == 400 && inside.code == "private_address")
        let plain = api.call("POST", "/api/v1/admin/webhooks", json: #"{"url":"http://192.0.2.1/in","events":["message.created"]}"#,
                             headers: bearer(admin))
        #expect(plain.status == 400 && plain.code == "invalid_url")
        #expect(api.call("GET", "/api/v1/admin/webhooks/nope", headers: bearer(admin)).code == "webhook_not_found")
        #expect(api.call("GET", "/api/v1/admin/webhooks", headers: bearer(admin)).status == 200)
        let agent = try api.agentToken("alex")
        #expect(api.call("GET", "/api/v1/admin/webhooks", headers: bearer(agent)).code == "admin_required")
    }
}
