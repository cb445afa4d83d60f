import Foundation
import Testing
import SwitchboardAPI
import SwitchboardCore
import SwitchboardMetrics

/// `/metrics/worker` (API.md "Metrics"): what it counts, in which labels, and who may read it.
struct MetricsTests {
    /// The value of the sample whose line starts with `prefix` (name and labels), or nil.
    static func sample(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func requestsAreCountedByRouteTemplateAndStatusClassNeverById() throws {
        let api = try TestAPI()
        let (id, session) = try api.start()
        for text in ["hi", "order 12345 please"] {
            _ = api.call("POST", "/api/v1/customer/conversations/\(id)/messages", json: #"{"content":"\#(text)"}"#,
                         headers: ["X-Customer-Session-Id": session])
        }
        _ = api.call("GET", "/api/v1/no/such/\(id)")
        _ = api.call("GET", "/api/v1/agent/me")
        let scrape = api.call("GET", "/metrics/worker", from: "127.0.0.1")
        #expect(scrape.status == 200 && scrape.header("Content-Type") == prometheusContentType)
        let text = scrape.text
        let messages = #"switchboard_http_requests_total{route="/api/v1/customer/conversations/:id/messages",method="POST",status="2xx"}"#
        #expect(Self.sample(text, messages) == 2)
        #expect(Self.sample(text, #"switchboard_http_requests_total{route="unmatched",method="GET",status="4xx"}"#) == 1)
        #expect(Self.sample(text, #"switchboard_http_requests_total{route="/api/v1/agent/me",method="GET",status="4xx"}"#) == 1)
        #expect(text.contains(#"switchboard_http_request_duration_seconds_count{route="/api/v1/customer/conversations/:id/messages",method="POST"} 2"#))
        // Writes went through the group commit; the queue is read when scraped.
        #expect((Self.sample(text, "switchboard_group_commit_batch_size_count") ?? 0) >= 3)
        #expect(Self.sample(text, "switchboard_queue_chats") == 0 && Self.sample(text, "switchboard_agents_online") == 0)
        #expect(Self.sample(text, #"switchboard_storage_errors_total{kind="full"}"#) == 0)
        #expect(Self.sample(text, #"switchboard_emails_total{result="sent"}"#) == 0)
        // No id and no user's words in any label.
        #expect(!text.contains(id) && !text.contains(session) && !text.contains("12345") && !text.contains("/no/such"))

        _ = api.call("POST", "/api/v1/customer/conversations/\(id)/escalate", headers: ["X-Customer-Session-Id": session])
        let queued = api.call("GET", "/metrics/worker", from: "::1").text
        #expect(Self.sample(queued, "switchboard_queue_chats") == 1)
        #expect((Self.sample(queued, "switchboard_queue_oldest_wait_seconds") ?? -1) >= 0)
    }

    @Test func onlyThisHostReadsThemUnlessATokenIsSet() throws {
        let open = try TestAPI()
        for address in ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"] {
            #expect(open.call("GET", "/metrics/worker", from: address).status == 200, "\(address)")
        }
        for address in ["10.0.0.5", "128.0.0.1", "::ffff:10.0.0.1", "", "127.0.0.1.example", "fe80::1"] {
            let refused = open.call("GET", "/metrics/worker", from: address)
            #expect(refused.status == 403 && refused.code == "metrics_forbidden", "\(address)")
        }
        let token = "metrics-token-0123456789"
        let guarded = try TestAPI(metricsToken: token)
        for header in [[:], ["Authorization": "Bearer nope"], ["Authorization": "Bearer \(token)x"], ["Authorization": token]] {
            // With a token even this host needs it.
            let refused = guarded.call("GET", "/metrics/worker", headers: header, from: "127.0.0.1")
            #expect(refused.status == 401 && refused.code == "invalid_token", "\(header)")
        }
        #expect(guarded.call("GET", "/metrics/worker", headers: ["Authorization": "Bearer \(token)"], from: "203.0.113.9").status == 200)
    }
}
