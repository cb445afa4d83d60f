import SwitchboardChat
import SwitchboardCore

/// Known customers, for the desk: contacts for agents (`/api/v1/agent/contacts`), export,
/// erasure and identity secrets for admins, the sites refused the widget, and nginx's
/// per-frame question of which sites may show it (`/internal/widget-frame`).
struct ContactRoutes: Sendable {
    let service: ChatService
    static let framePath = "/internal/widget-frame"

    func register(_ table: inout RouteTable) {
        let agent = "/api/v1/agent/contacts"
        table.agent("GET", agent, contacts)
        table.agent("GET", "\(agent)/:id", contact)
        table.agent("PATCH", "\(agent)/:id", updateContact)

        let admin = "/api/v1/admin"
        table.admin("GET", "\(admin)/contacts/:id/export", export)
        table.admin("DELETE", "\(admin)/contacts/:id", erase)
        table.admin("GET", "\(admin)/identity/secrets", secrets)
        table.admin("POST", "\(admin)/identity/secrets", createSecret)
        table.admin("DELETE", "\(admin)/identity/secrets/:id", deleteSecret)
        table.admin("GET", "\(admin)/widget/blocked-sites", blockedSites)

        // Not under /api/: nginx asks it per widget page load (auth_request), clients cannot.
        table.public("GET", Self.framePath, frame)
    }

    struct ContactList: Codable, Sendable { var items: [Contact] }

    struct Detail: Codable, Sendable {
        var contact: Contact
        var conversations: [AgentConversation]
    }

    struct SecretList: Codable, Sendable { var items: [IdentitySecretInfo] }

    struct NewSecret: Codable, Sendable {
        var id: String
        var secret: String
        var createdAt: Timestamp
        enum CodingKeys: String, CodingKey { case id, secret, createdAt = "created_at" }
    }

    struct SiteList: Codable, Sendable { var items: [BlockedSite] }

    /// `{name?, email?}`: a member given as null is a 400, like every PATCH.
    struct ContactPatch: Decodable {
        var name: String?
        var email: String?
        enum CodingKeys: String, CodingKey { case name, email }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.patchValue(String.self, .name)
            email = try c.patchValue(String.self, .email)
        }
    }

    @Sendable func contacts(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let before = try Query.parse(request.query["before"], Timestamp.init(iso8601:),
                                     "before: an ISO 8601 UTC time such as 2026-11-21T12:00:00.000Z.", code: "invalid_before")
        let q = request.query["q"].map(\.trimmingSpaces)
        if let q, q.unicodeScalars.count > 254 {
            throw AppError.badRequest("q: at most 254 characters.", code: "invalid_query")
        }
        let limit = try Validate.limit(request, default: Limits.listDefaultLimit, max: Limits.listMaxLimit)
        return try .json(ContactList(items: try service.contacts(ContactQuery(prefix: q, before: before, limit: limit))))
    }

    @Sendable func contact(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let detail = try service.contactDetail(request.parameter("id"))
        return try .json(Detail(contact: detail.contact, conversations: detail.conversations))
    }

    @Sendable func updateContact(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        let patch = try Body.decode(ContactPatch.self, from: request)
        return try .json(try service.updateContact(request.parameter("id"), name: try patch.name.map(Validate.displayName),
                                                   email: try patch.email.map { try Validate.email($0) },
                                                   by: caller.agent.auditActor))
    }

    /// The whole record as one JSON file (a data subject's copy).
    @Sendable func export(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        let id = request.parameter("id")
        var response = try HTTPResponse.json(try service.exportContact(id))
        response.headers.append(("Content-Disposition", "attachment; filename=\"contact-\(id.filter { $0.isLetter || $0.isNumber || $0 == "-" }).json\""))
        return response
    }

    @Sendable func erase(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try service.eraseContact(request.parameter("id"), by: caller.admin.auditActor)
        return .noContent
    }

    @Sendable func secrets(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(SecretList(items: try service.identitySecrets()))
    }

    @Sendable func createSecret(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        _ = try Body.decode(EmptyBody.self, from: request, emptyAllowed: true)
        let secret = try service.createIdentitySecret(by: caller.admin.auditActor)
        // JSON answers are Cache-Control: no-store already.
        return try .json(NewSecret(id: secret.id, secret: secret.secret, createdAt: secret.createdAt), status: 201)
    }

    @Sendable func deleteSecret(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try service.deleteIdentitySecret(request.parameter("id"), by: caller.admin.auditActor)
        return .noContent
    }

    @Sendable func blockedSites(_ request: HTTPRequest, _ caller: AdminCaller) throws -> HTTPResponse {
        try .json(SiteList(items: try service.blockedSites()))
    }

    /// 204 with the widget page's `frame-ancestors` sources for nginx to put in its CSP;
    /// the embedding page's address comes in the frame request's `Referer`.
    @Sendable func frame(_ request: HTTPRequest) throws -> HTTPResponse {
        let allowed = try service.frameAncestors(referer: request.header("referer"), ownOrigin: nil)
        return HTTPResponse(status: 204, headers: [("X-Switchboard-Frame-Ancestors", allowed.joined(separator: " ")),
                                                   ("Cache-Control", "no-store")])
    }
}

/// A body that must be empty or `{}`.
struct EmptyBody: Decodable {}
