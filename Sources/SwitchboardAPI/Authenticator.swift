import SwitchboardChat
import SwitchboardCore

/// Who is calling: the agent behind `Authorization: Bearer`, or the customer's session id.
/// One place for the routes and the events auth check.
struct Authenticator: Sendable {
    let service: ChatService

    /// The agent behind the bearer token, and the token itself.
    func agent(_ request: HTTPRequest) throws -> (Agent, String) {
        guard let header = request.header("authorization"), !header.isEmpty else {
            throw AppError.unauthorized("Send Authorization: Bearer <access_token>.", code: "missing_token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AppError.unauthorized("Authorization must be Bearer <access_token>.", code: "invalid_token")
        }
        let token = String(parts[1]).trimmingSpaces
        guard let agent = try service.authenticate(token: token) else {
            throw AppError.unauthorized("The access token is invalid, expired or revoked; log in again.", code: "invalid_token")
        }
        return (agent, token)
    }

    /// The admin behind the bearer token: 401 without a valid token, 403 `admin_required`
    /// for an agent (`detail` says what only an admin may do).
    func admin(_ request: HTTPRequest, detail: String) throws -> Agent {
        let (agent, _) = try agent(request)
        guard agent.role == .admin else { throw AppError.forbidden(detail, code: "admin_required") }
        return agent
    }

    /// The customer's session id (ownership is checked per conversation).
    func sessionId(_ request: HTTPRequest) throws -> String {
        guard let id = request.header("x-customer-session-id"), !id.isEmpty else {
            throw AppError.unauthorized("Send the X-Customer-Session-Id header you got from start.", code: "missing_session")
        }
        return id
    }
}

/// `{content, client_message_id?}`: a message from either side.
struct SendBody: Decodable {
    var content: String
    var clientMessageId: String?
    enum CodingKeys: String, CodingKey { case content, clientMessageId = "client_message_id" }
}

/// `{typing}`: a typing indicator from either side.
struct TypingBody: Decodable {
    var typing: Bool
}
