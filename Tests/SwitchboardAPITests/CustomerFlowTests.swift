import Foundation
import Testing
import SwitchboardAPI
import SwitchboardStore
import SwitchboardCore

/// The customer → bot → escalate → agent → close story, in-process.
struct CustomerFlowTests {
    @Test func wholeStory() throws {
        let api = try TestAPI()
        let start = api.call("POST", "/api/v1/customer/conversations/start", json: "{}")
        #expect(start.status == 200)
        #expect((start.body["quick_questions"] as? [Any])?.count == DemoData.faqs.count)
        #expect(start.body["show_talk_to_agent"] as? Bool == true)
        #expect(start.body["last_event_id"] is Int)
        let conversation = start.body["conversation"] as! [String: Any]
        let id = conversation["id"] as! String
        let me = session(conversation["customer_session_id"] as! String)
        #expect(conversation["assigned_agent_id"] is NSNull)

        let quick = api.call("POST", "/api/v1/customer/conversations/\(id)/quick-replies/delivery-date", headers: me)
        #expect(quick.status == 200)
        #expect((quick.body["bot_message"] as? [String: Any])?["sender_type"] as? String == "bot")

        let fallback = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"do you sell banana smoothies"}"#, headers: me)
        #expect(fallback.status == 200)
        #expect((fallback.body["bot_message"] as? [String: Any])?["content"] as? String == BotText.fallback)

        let escalate = api.call("POST", "/api/v1/customer/conversations/\(id)/escalate", headers: me)
        #expect(escalate.body["status"] as? String == "agent")
        #expect(escalate.body["assigned_agent_id"] is NSNull)

        let token = try api.agentToken("alex")
        let queue = api.call("GET", "/api/v1/agent/queue", headers: bearer(token))
        #expect((queue.body["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        #expect(api.call("POST", "/api/v1/officer/conversations/\(id)/claim", headers: bearer(token)).status == 200)

        let reply = api.call("POST", "/api/v1/agent/conversations/\(id)/messages", json: #"{"content":"Hi, Alex here."}"#, headers: bearer(token))
        #expect(reply.status == 200)
        let afterReply = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"return policy?"}"#, headers: me)
        #expect(afterReply.body["bot_message"] is NSNull)
        #expect(afterReply.body["show_talk_to_agent"] as? Bool == false)

        let close = api.call("POST", "/api/v1/agent/conversations/\(id)/close", headers: bearer(token))
        #expect((close.body["conversation"] as? [String: Any])?["status"] as? String == "closed")
        #expect(close.body["system_message"] is [String: Any])
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"hello?"}"#, headers: me).status == 409)

        let history = api.call("GET", "/api/v1/customer/conversations/\(id)/messages", headers: me)
        let senders = (history.body["messages"] as? [[String: Any]])?.map { $0["sender_type"] as! String }
        #expect(senders == ["bot", "customer", "bot", "customer", "bot", "system", "system", "agent", "customer", "system"])
    }

    @Test(arguments: ["", "   ", "\n\t "])
    func blankContentIs400(_ content: String) throws {
        let api = try TestAPI()
        let (id, mine) = api.start()
        let escaped = content.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        let result = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"\#(escaped)"}"#, headers: session(mine))
        #expect(result.status == 400)
        #expect(result.body["code"] as? String == "empty_content")
    }

    @Test func contentLimitIs4000Characters() throws {
        let api = try TestAPI()
        let (id, mine) = api.start()
        let ok = api.call("POST", "/api/v1/customer/conversations/\(id)/messages",
                          json: #"{"content":"\#(String(repeating: "é", count: 4000))"}"#, headers: session(mine))
        #expect(ok.status == 200)
        let long = api.call("POST", "/api/v1/customer/conversations/\(id)/messages",
                            json: #"{"content":"\#(String(repeating: "a", count: 4001))"}"#, headers: session(mine))
        #expect(long.status == 400)
    }

    @Test func unknownQuickReplyIs404AndUnknownConversationIs404() throws {
        let api = try TestAPI()
        let (id, mine) = api.start()
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/quick-replies/nope", headers: session(mine)).status == 404)
        #expect(api.call("GET", "/api/v1/customer/conversations/not-a-conversation", headers: session(mine)).status == 404)
    }

    @Test func sameClientMessageIdTwiceIsOneMessage() throws {
        let api = try TestAPI()
        let (id, mine) = api.start()
        let body = #"{"content":"where is my order","client_message_id":"retry-1"}"#
        let first = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: body, headers: session(mine))
        let second = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: body, headers: session(mine))
        let firstId = (first.body["customer_message"] as? [String: Any])?["id"] as? String
        #expect(firstId != nil)
        #expect(firstId == (second.body["customer_message"] as? [String: Any])?["id"] as? String)
        let list = api.call("GET", "/api/v1/customer/conversations/\(id)/messages", headers: session(mine))
        #expect((list.body["messages"] as? [[String: Any]])?.count == 3)
    }

    @Test func startValidatesAClientSuppliedSession() throws {
        let api = try TestAPI()
        #expect(api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"abc"}"#).status == 400)
        let chosen = String(repeating: "k", count: 32)
        let first = api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"\#(chosen)"}"#)
        let again = api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"\#(chosen)"}"#)
        #expect((first.body["conversation"] as? [String: Any])?["id"] as? String == (again.body["conversation"] as? [String: Any])?["id"] as? String)
        #expect(again.body["resumed"] as? Bool == true)
        let fresh = api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"\#(chosen)","force_new":true}"#)
        #expect((fresh.body["conversation"] as? [String: Any])?["id"] as? String != (first.body["conversation"] as? [String: Any])?["id"] as? String)
    }

    @Test func typingGoesToTheNotifierLinkOnly() throws {
        let api = try TestAPI()
        let (id, mine) = api.start()
        let before = try api.store.latestEventId()
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/typing", json: #"{"typing":true}"#, headers: session(mine)).status == 204)
        #expect(api.realtime.received == [TypingSignal(conversationId: id, sender: .customer, agentId: nil, agentName: nil, typing: true)])
        #expect(try api.store.latestEventId() == before)
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/typing", json: #"{"typing":"yes"}"#, headers: session(mine)).status == 400)
    }
}

/// Requests the router or the body parser must refuse, each with the JSON error shape.
struct BadInputTests {
    @Test func malformedWrongTypesUnknownFieldsMethodsAndRoutes() throws {
        let api = try TestAPI()
        let (id, mine) = api.start()
        let path = "/api/v1/customer/conversations/\(id)/messages"
        let cases: [(String, String, String?, [String: String], Int, String)] = [
            ("POST", path, #"{"content": "#, session(mine), 400, "invalid_json"),
            ("POST", path, #"{"content": 42}"#, session(mine), 400, "invalid_json"),
            ("POST", path, #"{"contents": "typo"}"#, session(mine), 400, "invalid_json"),
            ("POST", path, #"[1,2]"#, session(mine), 400, "invalid_json"),
            ("POST", path, "content=hi", session(mine).merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 }, 415, "unsupported_media_type"),
            ("DELETE", path, nil, session(mine), 405, "method_not_allowed"),
            ("GET", "/api/v1/nothing/here", nil, [:], 404, "route_not_found"),
            ("POST", "/api/v1/agent/auth/login", #"{"username":"a","password":"wrong password"}"#, [:], 401, "invalid_credentials"),
            ("GET", "/api/v1/agent/conversations", nil, [:], 401, "missing_token"),
        ]
        for (method, path, body, headers, status, code) in cases {
            let result = api.call(method, path, json: body, headers: headers)
            #expect(result.status == status, "\(method) \(path) \(body ?? "")")
            #expect(result.body["code"] as? String == code, "\(method) \(path) \(body ?? "")")
            #expect(result.body["detail"] is String)
            #expect(result.raw.headers.contains { $0 == ("Content-Type", "application/json") })
        }
        let unknownFields = api.call("POST", path, json: #"{"content":"hi","colour":"blue"}"#, headers: session(mine))
        #expect(unknownFields.status == 200)
        let typed = api.call("POST", path, json: #"{"content": 42}"#, headers: session(mine))
        #expect(typed.body["detail"] as? String == "content: expected a string.")
        let allowed = api.call("DELETE", path, headers: session(mine)).raw.headers.first { $0.0 == "Allow" }?.1
        #expect(allowed == "GET, POST")
    }

    @Test func agentListFiltersAreValidated() throws {
        let api = try TestAPI()
        let token = try api.agentToken("alex")
        for query in [["status": "open"], ["assigned": "someone"], ["limit": "0"], ["limit": "1000"], ["before": "yesterday"]] {
            let result = api.call("GET", "/api/v1/agent/conversations", headers: bearer(token), query: query)
            #expect(result.status == 400, "\(query)")
        }
        #expect(api.call("GET", "/api/v1/agent/conversations", headers: bearer(token), query: ["status": "agent", "assigned": "me", "limit": "5"]).status == 200)
    }

    @Test func healthReportsTheDatabase() throws {
        let api = try TestAPI()
        let result = api.call("GET", "/api/v1/health")
        #expect(result.status == 200)
        #expect(result.body["status"] as? String == "ok")
        #expect(result.body["database"] as? String == "ok")
    }
}

struct HealthTests {
    @Test func aComponentThatIsNotOkDegradesButDoesNotFail() throws {
        let api = try TestAPI()
        let app = SwitchboardApp(store: api.store, realtime: NoRealtime(), health: { .object([("notifier", "unavailable")]) })
        let response = app.handle(HTTPRequest(method: "GET", path: "/api/v1/health"))
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(response.status == 200)
        #expect(body?["status"] as? String == "degraded")
        #expect(body?["notifier"] as? String == "unavailable")
    }
}
