import SwitchboardChat
import SwitchboardCore

/// Invitations and forgotten passwords (API.md "Invitations and forgotten passwords"): the
/// sign-in page's options, reset requests, the set-password page, and an admin's invitation.
/// Everything but the invitation is public: the link's token is the credential.
struct PasswordLinkRoutes: Sendable {
    let service: ChatService

    func register(_ table: inout RouteTable) {
        let base = "/api/v1/agent/auth"
        table.public("GET", "\(base)/options", options)
        table.public("POST", "\(base)/password-reset", requestReset)
        table.public("POST", "\(base)/password-link", link)
        table.public("POST", "\(base)/set-password", setPassword)
        table.admin("POST", "/api/v1/admin/agents/:id/invite", invite)
    }

    struct ResetBody: Decodable {
        var email: String
    }

    struct TokenBody: Decodable {
        var token: String
    }

    struct SetPasswordBody: Decodable {
        var token: String
        var password: String
    }

    @Sendable func options(_ request: HTTPRequest) throws -> HTTPResponse {
        try .json(try service.signInOptions())
    }

    /// 202 whatever the address: the answer never says whether an agent has it.
    @Sendable func requestReset(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(ResetBody.self, from: request)
        try service.requestPasswordReset(email: body.email)
        return try .json(PasswordLinkAnswer.ResetRequested(), status: 202)
    }

    @Sendable func link(_ request: HTTPRequest) throws -> HTTPResponse {
        try .json(try service.passwordLink(token: try Body.decode(TokenBody.self, from: request).token))
    }

    /// The password is set and the agent signed in: the login's answer.
    @Sendable func setPassword(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try Body.decode(SetPasswordBody.self, from: request)
        let result = try service.setPassword(token: body.token, password: body.password, client: request.remoteAddress)
        return try .json(AgentAnswer.Login(accessToken: result.token, expiresAt: result.expiresAt, agent: result.agent))
    }

    @Sendable func invite(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(try service.invite(agentId: request.parameter("id"), by: caller.admin.auditActor), status: 202)
    }
}
