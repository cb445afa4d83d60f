import SwitchboardCore

/// Who may open an event stream, and who is behind a bearer token: the one piece of code
/// that judges credentials, run by the worker for its routes and by the notifier for every
/// stream (DESIGN.md "Who may listen"). The worker alone issues and revokes them.
extension ChatService {
    /// The token of `Authorization: Bearer <token>`: 401 `missing_token` without the
    /// header, `invalid_token` for another scheme.
    public static func bearerToken(_ authorization: String?) throws -> String {
        guard let authorization, !authorization.isEmpty else {
            throw AppError.unauthorized("Send Authorization: Bearer <access_token>.", code: "missing_token")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AppError.unauthorized("Authorization must be Bearer <access_token>.", code: "invalid_token")
        }
        return String(parts[1]).trimmingSpaces
    }

    static let invalidToken = AppError.unauthorized("The access token is invalid, expired or revoked; log in again.",
                                                    code: "invalid_token")

    /// The agent behind `Authorization: Bearer <token>` (401 otherwise), and the token.
    public func agent(authorization: String?) throws -> (agent: Agent, token: String) {
        let token = try Self.bearerToken(authorization)
        guard let agent = try authenticate(token: token) else { throw Self.invalidToken }
        return (agent, token)
    }

    /// Who may open an event stream: an agent (or API key) by bearer token, or a customer by
    /// session and the conversation the stream names. 401 or 403 otherwise, never 404: a
    /// conversation that does not exist is not the caller's either.
    ///
    /// One read transaction (an indexed lookup or two), and no write. Read from the database
    /// every time, never from the token cache: a stream lives for hours, so it must not
    /// start on a copy that a logout a moment ago has not reached. The grant carries the
    /// newest event id of the same snapshot (see `StreamGrant`).
    public func listener(_ credentials: StreamCredentials) throws -> StreamGrant {
        let now = Timestamp.now()
        if credentials.authorization != nil {
            let token = try Self.bearerToken(credentials.authorization)
            guard !token.isEmpty, token.utf8.count <= 256 else { throw Self.invalidToken }
            let hash = Secrets.sha256(token)
            let (found, asOf) = try read { rows in
                (try Self.agent(token: token, hash: hash, now: now, rows), try rows.latestEventId())
            }
            // No "last seen" write here: the check runs on the notifier's outbox-read threads,
            // and a write (an fsync, a wait for the writer) would hold up every stream's
            // events behind it. The agent's requests record it; presence follows streams.
            guard let agent = found else { throw Self.invalidToken }
            return StreamGrant(identity: .agent(agentId: agent.id), asOfEventId: asOf)
        }
        guard let sessionId = credentials.customerSessionId, !sessionId.isEmpty else {
            throw AppError.unauthorized("Send X-Customer-Session-Id (customers) or Authorization: Bearer (agents).",
                                        code: "missing_credentials")
        }
        guard let conversationId = credentials.conversationId, !conversationId.isEmpty else {
            throw AppError.forbidden("Customers must name their conversation: ?conversation_id=<id>.", code: "missing_conversation")
        }
        do {
            return try read { rows in
                let (conversation, session) = try Self.authorizedCustomer(conversationId, sessionId: sessionId, rows)
                return StreamGrant(identity: .customer(conversationId: conversation.id, sessionId: session?.id),
                                   asOfEventId: try rows.latestEventId())
            }
        } catch let error as AppError where error.status == 404 {
            throw AppError.forbidden(error.detail, code: error.code)
        }
    }
}
