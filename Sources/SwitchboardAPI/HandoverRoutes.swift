import SwitchboardChat
import SwitchboardCore

/// Private notes and transfers (API.md "Private notes", "Transfer"): agent routes, so they
/// also answer under `/api/v1/officer/...`. No customer route reads a note.
struct HandoverRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        let base = "/api/v1/agent/conversations/:id"
        table.agent("GET", "\(base)/notes", notes)
        table.agent("POST", "\(base)/notes", addNote)
        table.agent("POST", "\(base)/transfer", transfer)
    }

    struct NoteBody: Decodable {
        var content: String
    }

    struct TransferBody: Decodable {
        var toAgentId: String?
        var to: String?
        var note: String?
        var force: Bool?
        enum CodingKeys: String, CodingKey { case toAgentId = "to_agent_id", to, note, force }
    }

    struct Notes: Encodable {
        var items: [Note]
    }

    @Sendable func notes(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try .json(Notes(items: try service.notes(request.parameter("id"))))
    }

    @Sendable func addNote(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let body = try Body.decode(NoteBody.self, from: request)
        return try .json(try service.addNote(request.parameter("id"), by: caller.agent, content: body.content), status: 201)
    }

    /// `{to_agent_id, note?, force?}` or `{to: "queue", note?}`: exactly one destination.
    @Sendable func transfer(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let body = try Body.decode(TransferBody.self, from: request)
        let target: ChatService.TransferTarget
        switch (body.toAgentId, body.to) {
        case (let id?, nil): target = .agent(id)
        case (nil, "queue"): target = .queue
        default:
            throw AppError.badRequest("Give either to_agent_id or to: \"queue\".", code: "invalid_transfer")
        }
        let note = body.note.flatMap { $0.trimmingSpaces.isEmpty ? nil : $0 }
        return try .json(AgentAnswer.Changed(conversation: try service.transfer(request.parameter("id"), by: caller.agent, to: target,
                                                                                note: note, force: body.force ?? false)))
    }
}
