import Logging
import SwitchboardChat
import SwitchboardCore

/// Reports (API.md "Reports"): the admins' overview and CSV, and each agent's own row.
struct ReportRoutes: Sendable {
    let service: ChatService
    let logger = Logger(label: "switchboard.reports")

    func register(_ table: inout RouteTable) {
        table.admin("GET", "/api/v1/admin/reports/overview", overview)
        table.admin("GET", "/api/v1/admin/reports/conversations.csv", csv)
        table.agent("GET", "/api/v1/agent/reports/me", mine)
    }

    private func parameters(_ request: HTTPRequest) -> ReportParameters {
        func value(_ name: String) -> String? { request.query[name].flatMap { $0.isEmpty ? nil : $0 } }
        return ReportParameters(from: value("from"), to: value("to"), interval: value("interval"),
                                businessHours: value("business_hours"), labelId: value("label"), agentId: value("agent_id"))
    }

    @Sendable func overview(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.reportOverview(try service.reportScope(parameters(request))))
    }

    /// An agent's own numbers: `agent_id` and `label` are not theirs to choose.
    @Sendable func mine(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        var p = parameters(request)
        p.labelId = nil
        p.interval = nil
        let scope = try service.reportScope(p, agentId: caller.agent.id)
        return try .json(try service.myReport(scope, agent: caller.agent))
    }

    /// Checked before the head goes out (a bad date is a 400); then streamed as it is read.
    @Sendable func csv(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let scope = try service.reportScope(parameters(request))
        let service = self.service, logger = self.logger, requestId = request.requestId
        return HTTPResponse(status: 200, headers: [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", "attachment; filename=\"\(scope.filename)\""),
            ("Cache-Control", "no-store"),
        ], stream: { write in
            do {
                try service.reportCSV(scope, write)
            } catch {
                // The head is gone: the client sees a cut-off file; the log says why.
                logger.error("CSV export stopped", metadata: ["request_id": "\(requestId)", "error": "\(error)"])
                throw error
            }
        })
    }
}
