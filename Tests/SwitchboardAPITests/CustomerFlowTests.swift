import Foundation
import Testing
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore

/// The customer → bot → escalate → agent → close story, in-process.
struct CustomerFlowTests {
    @Test func wholeStory() throws {
        let api = try TestAPI()
        let startReply = api.call("POST", "/api/v1/customer/conversations/start", json: "{}")
        #expect(startReply.status == 200)
        let start = try startReply.decode(CustomerAnswer.Start.self)
        #expect(start.quickQuestions.count == demoFAQs.count)
        #expect(start.showTalkToAgent)
        #expect(start.lastEventId > 0)
        let id = start.conversation.id
        let me = session(start.conversation.customerSessionId)
        #expect(start.conversation.assignedAgentId == nil)
        #expect(startReply.text.contains(#""assigned_agent_id":null"#)) // explicit null, not absent

        let quick = try api.call("POST", "/api/v1/customer/conversations/\(id)/quick-replies/delivery-date", headers: me)
            .decode(CustomerAnswer.Sent.self)
        #expect(quick.botMessage?.senderType == .bot)

        let fallback = try api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"do you sell banana smoothies"}"#, headers: me)
            .decode(CustomerAnswer.Sent.self)
        #expect(fallback.botMessage?.content == Settings.defaults.awayFallbackMessage)  // nobody is online yet

        // Nobody is online: the chat is queued all the same (the replaced system's contract),
        // marked offline, and the answer asks for an e-mail to answer to.
        let escalate = try api.call("POST", "/api/v1/customer/conversations/\(id)/escalate", headers: me).decode(CustomerAnswer.Escalated.self)
        #expect(escalate.status == .agent)
        #expect(escalate.assignedAgentId == nil)
        #expect(escalate.offline && escalate.needsContact)
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/contact", json: #"{"email":"robin@example.com","name":"Robin","source":"offline"}"#,
                         headers: me).status == 200)
        let again = try api.call("POST", "/api/v1/customer/conversations/\(id)/escalate", headers: me).decode(CustomerAnswer.Escalated.self)
        #expect(again.offline && !again.needsContact)

        let token = try api.agentToken("alex")
        let queue = try api.call("GET", "/api/v1/agent/queue", headers: bearer(token)).decode(AgentAnswer.Queue.self)
        #expect(queue.items.map(\.id) == [id])
        #expect(queue.items.first?.conversation.offline == true)
        #expect(queue.items.first?.customer == CustomerContact(displayName: "Robin", email: "robin@example.com", source: .offline))
        #expect(queue.total == 1)
        #expect(api.call("POST", "/api/v1/officer/conversations/\(id)/claim", headers: bearer(token)).status == 200)

        let reply = api.call("POST", "/api/v1/agent/conversations/\(id)/messages", json: #"{"content":"Hi, Alex here."}"#, headers: bearer(token))
        #expect(reply.status == 200)
        let afterReply = try api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"return policy?"}"#, headers: me)
            .decode(CustomerAnswer.Sent.self)
        #expect(afterReply.botMessage == nil)
        #expect(!afterReply.showTalkToAgent)

        let close = try api.call("POST", "/api/v1/agent/conversations/\(id)/close", headers: bearer(token)).decode(AgentAnswer.Closed.self)
        #expect(close.conversation.conversation.status == .closed)
        #expect(close.systemMessage != nil)
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"hello?"}"#, headers: me).status == 409)

        let history = try api.call("GET", "/api/v1/customer/conversations/\(id)/messages", headers: me).decode(CustomerAnswer.Messages.self)
        #expect(history.messages.map(\.senderType) == [.bot, .customer, .bot, .customer, .bot, .system, .system, .agent, .customer, .system])
    }

    @Test(arguments: ["", "   ", "\n\t "])
    func blankContentIs400(_ content: String) throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        let escaped = content.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        let result = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"\#(escaped)"}"#, headers: session(mine))
        #expect(result.status == 400)
        #expect(result.code == "empty_content")
    }

    @Test func contentLimitIs4000Characters() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        let ok = api.call("POST", "/api/v1/customer/conversations/\(id)/messages",
                          json: #"{"content":"\#(String(repeating: "é", count: 4000))"}"#, headers: session(mine))
        #expect(ok.status == 200)
        let long = api.call("POST", "/api/v1/customer/conversations/\(id)/messages",
                            json: #"{"content":"\#(String(repeating: "a", count: 4001))"}"#, headers: session(mine))
        #expect(long.status == 400)
    }

    @Test func unknownQuickReplyIs404AndUnknownConversationIs404() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/quick-replies/nope", headers: session(mine)).status == 404)
        #expect(api.call("GET", "/api/v1/customer/conversations/not-a-conversation", headers: session(mine)).status == 404)
    }

    @Test func sameClientMessageIdTwiceIsOneMessage() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        let body = #"{"content":"where is my order","client_message_id":"retry-1"}"#
        let first = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: body, headers: session(mine))
        let second = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: body, headers: session(mine))
        let firstId = try first.decode(CustomerAnswer.Sent.self).customerMessage.id
        #expect(firstId == (try second.decode(CustomerAnswer.Sent.self).customerMessage.id))
        let list = try api.call("GET", "/api/v1/customer/conversations/\(id)/messages", headers: session(mine)).decode(CustomerAnswer.Messages.self)
        #expect(list.messages.count == 3)
    }

    @Test func startValidatesAClientSuppliedSession() throws {
        let api = try TestAPI()
        #expect(api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"abc"}"#).status == 400)
        let chosen = String(repeating: "k", count: 32)
        let first = api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"\#(chosen)"}"#)
        let again = api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"\#(chosen)"}"#)
        let firstStart = try first.decode(CustomerAnswer.Start.self)
        let againStart = try again.decode(CustomerAnswer.Start.self)
        #expect(firstStart.conversation.id == againStart.conversation.id)
        #expect(againStart.resumed)
        let fresh = api.call("POST", "/api/v1/customer/conversations/start", json: #"{"customer_session_id":"\#(chosen)","force_new":true}"#)
        #expect(try fresh.decode(CustomerAnswer.Start.self).conversation.id != firstStart.conversation.id)
    }

    @Test func typingGoesToTheNotifierLinkOnly() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        let before = try api.service.latestEventId()
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/typing", json: #"{"typing":true}"#, headers: session(mine)).status == 204)
        #expect(api.realtime.received == [TypingSignal(conversationId: id, sender: .customer, agentId: nil, agentName: nil, typing: true)])
        #expect(try api.service.latestEventId() == before)
        #expect(api.call("POST", "/api/v1/customer/conversations/\(id)/typing", json: #"{"typing":"yes"}"#, headers: session(mine)).status == 400)
    }
}

/// Requests the router or the body parser must refuse, each with the JSON error shape.
struct BadInputTests {
    @Test func malformedWrongTypesUnknownFieldsMethodsAndRoutes() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
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
            #expect(result.code == code, "\(method) \(path) \(body ?? "")")
            #expect(result.error?.detail.isEmpty == false)
            #expect(result.raw.headers.contains { $0 == ("Content-Type", "application/json") })
        }
        let unknownFields = api.call("POST", path, json: #"{"content":"hi","colour":"blue"}"#, headers: session(mine))
        #expect(unknownFields.status == 200)
        let typed = api.call("POST", path, json: #"{"content": 42}"#, headers: session(mine))
        #expect(typed.error?.detail == "content: expected a string.")
        let allowed = api.call("DELETE", path, headers: session(mine)).header("Allow")
        #expect(allowed == "GET, POST")
    }

    @Test func onlyTheCanonicalSpellingOfARouteAnswers() throws {
        let api = try TestAPI()
        let login = #"{"username":"a","password":"wrong password"}"#
        #expect(api.call("POST", "/api/v1/agent/auth/login", json: login).status == 401)
        for spelling in ["/api/v1/agent/auth/login/", "/api/v1/agent//auth/login", "//api/v1/agent/auth/login", "/api/v1/agent/auth/login//"] {
            let reply = api.call("POST", spelling, json: login)
            #expect(reply.status == 404, "\(spelling)")
            #expect(reply.code == "route_not_found")
        }
    }

    @Test func aBodyWithoutAJSONContentTypeIs415() throws {
        let api = try TestAPI()
        let (id, mine) = try api.start()
        let path = "/api/v1/customer/conversations/\(id)/messages"
        for type in [nil, "text/plain", "application/jsonp", "multipart/form-data; boundary=x"] as [String?] {
            var headers = session(mine)
            headers["Content-Type"] = type
            let response = api.app.handle(HTTPRequest(method: "POST", path: path, headers: headers, body: Array(#"{"content":"hi"}"#.utf8)))
            #expect(response.status == 415, "\(type ?? "none")")
        }
        #expect(api.call("POST", path, json: #"{"content":"hi"}"#, headers: session(mine).merging(["Content-Type": "application/json; charset=utf-8"]) { $1 }).status == 200)
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
        let health = try result.decode(HealthAnswer.self)
        #expect(health.status == "ok")
        #expect(health.database == "ok")
        #expect(health.lastEventId == (try api.service.latestEventId()))
    }
}

struct HealthTests {
    @Test func aComponentThatIsNotOkDegradesButDoesNotFail() throws {
        let api = try TestAPI()
        let app = SwitchboardApp(service: api.service, realtime: NoRealtime(), notifier: { "unavailable" })
        let response = app.handle(HTTPRequest(method: "GET", path: "/api/v1/health"))
        let body = try WireJSON.decode(HealthAnswer.self, from: response.body)
        #expect(response.status == 200)
        #expect(body.status == "degraded")
        #expect(body.notifier == "unavailable")
    }
}
