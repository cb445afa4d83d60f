import SwitchboardChat
import SwitchboardCore

/// `GET /api/v1/agent/search` (API.md "Search").
struct SearchRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        table.agent("GET", "/api/v1/agent/search", search)
    }

    struct Results: Encodable {
        var items: [SearchResult]
        /// The `before` of the next page while the page is full: its last conversation's newest hit.
        var nextBefore: Timestamp?
        enum CodingKeys: String, CodingKey { case items, nextBefore = "next_before" }
    }

    @Sendable func search(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        var filter = SearchFilter()
        if request.query["status"] == "open" {
            filter.openOnly = true
        } else {
            filter.status = try Query.parse(request.query["status"], ConversationStatus.init(rawValue:),
                                            "status: open, automated, agent or closed.", code: "invalid_status")
        }
        filter.labelId = request.query["label"].flatMap { $0.isEmpty ? nil : $0 }
        filter.from = try request.query["from"].flatMap { $0.isEmpty ? nil : try service.shopDay($0) }
        filter.to = try request.query["to"].flatMap { $0.isEmpty ? nil : try service.shopDay($0, nextDay: true) }
        filter.before = try Query.parse(request.query["before"], Timestamp.init(iso8601:),
                                        "before: an ISO 8601 UTC time such as 2026-11-21T12:00:00.000Z.", code: "invalid_before")
        let limit = try Validate.limit(request, default: 20, max: 50)
        let items = try service.search(request.query["q"] ?? "", filter, limit: limit, by: caller.agent)
        let next = items.count == limit ? items.last?.hits.first?.createdAt : nil
        return try .json(Results(items: items, nextBefore: next))
    }
}
