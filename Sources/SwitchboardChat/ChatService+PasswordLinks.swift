import SwitchboardCore

/// Invitations and forgotten passwords: single-use links to choose one's own password, sent
/// by e-mail (API.md "Invitations and forgotten passwords"). The token exists only in the
/// e-mail (in the link's fragment, so no server log sees it); the store keeps its SHA-256,
/// and the e-mail's stored body loses the link once the SMTP server took it (`emailSent`).
extension ChatService {
    /// At most this many reset links per agent in an hour; more requests send nothing.
    static let resetLinksPerHour = 3

    /// What the sign-in page offers before anyone signs in.
    public func signInOptions() throws -> PasswordLinkAnswer.Options {
        PasswordLinkAnswer.Options(passwordReset: policy.mailEnabled, demoAccounts: try read { try $0.demoAccountsExist() })
    }

    /// "Forgot your password?": a reset link to every enabled agent with this e-mail. The
    /// caller learns nothing either way (the route answers the same), and an agent gets at
    /// most `resetLinksPerHour` links an hour, so nobody can flood their inbox.
    public func requestPasswordReset(email: String) throws {
        let email = try Validate.email(email)
        try requireMail()
        try write { tx in
            let settings = try tx.rows.settings() ?? .defaults
            for agent in try tx.rows.agents(email: email) where !agent.disabled {
                let recent = try tx.rows.passwordLinks(agentId: agent.id, purpose: .reset, since: tx.now.adding(seconds: -3600))
                guard recent.count < Self.resetLinksPerHour, let address = agent.email else { continue }
                let (token, link) = try issueLink(.reset, for: agent, tx)
                _ = try tx.rows.insertEmail(OutgoingEmail(
                    kind: .passwordReset, conversationId: nil, recipient: address,
                    subject: "Reset your password for the \(settings.brandName) support desk",
                    body: """
                        Hello \(agent.displayName),

                        Someone, probably you, asked to reset the password of the account "\(agent.username)" \
                        on the \(settings.brandName) support desk.

                        Choose a new password here. The link works once, for an hour (until \(Self.shopTime(link.expiresAt, settings))):
                        \(linkURL(token))

                        If you did not ask, ignore this e-mail: your password stays as it is.
                        """,
                    state: .pending, notBefore: tx.now, createdAt: tx.now))
            }
        }
    }

    /// An admin invites an agent to choose their password; earlier invitations of that agent end.
    public func invite(agentId: String, by actor: AuditEntry.Actor) throws -> PasswordLinkAnswer.Invitation {
        try write { tx in
            let agent = try Self.agent(agentId, tx)  // an unknown agent is a 404 first
            try requireMail()
            return try sendInvitation(agent, by: actor, tx)
        }
    }

    func sendInvitation(_ agent: Agent, by actor: AuditEntry.Actor, _ tx: Transaction) throws -> PasswordLinkAnswer.Invitation {
        guard !agent.disabled else {
            throw AppError.conflict("\(agent.username) is disabled; enable them before inviting them.", code: "agent_disabled")
        }
        guard let address = agent.email else {
            throw AppError.conflict("\(agent.username) has no e-mail address to send the invitation to.", code: "email_missing")
        }
        try tx.accounts.endPasswordLinks(agentId: agent.id, purpose: .invite, at: tx.now)
        let (token, link) = try issueLink(.invite, for: agent, tx)
        let settings = try tx.rows.settings() ?? .defaults
        _ = try tx.rows.insertEmail(OutgoingEmail(
            kind: .invitation, conversationId: nil, recipient: address,
            subject: "You're invited to the \(settings.brandName) support desk",
            body: """
                Hello \(agent.displayName),

                You have an account on the \(settings.brandName) support desk, where the team answers its customers.

                Your username: \(agent.username)
                Choose your password here. The link works once, for 72 hours (until \(Self.shopTime(link.expiresAt, settings))):
                \(linkURL(token))

                After that, sign in at \(policy.publicURL)/agent/
                """,
            state: .pending, notBefore: tx.now, createdAt: tx.now))
        try tx.audit(actor, "agent.invited", agent.id, ["username": agent.username, "email": address])
        return PasswordLinkAnswer.Invitation(email: address, expiresAt: link.expiresAt)
    }

    /// Whose link a token is, while it works; 400 `invalid_token` with why not.
    public func passwordLink(token: String, now: Timestamp = .now()) throws -> PasswordLinkAnswer.Link {
        try read { rows in
            let (link, agent) = try Self.usableLink(token, rows, now: now)
            return PasswordLinkAnswer.Link(link, agent: agent)
        }
    }

    /// Sets the password through a link and signs the agent in: the link and every other
    /// link of the agent end, their other sessions end, failed sign-ins are forgotten.
    public func setPassword(token: String, password: String, client: String = "") throws -> LoginResult {
        let password = try Validate.password(password)
        // Refused links cost no hashing.
        _ = try passwordLink(token: token)
        let hash = try hasher.hash(password)
        let key = try read { try clientKey(client, $0) }
        return try write { tx in
            let (link, agent) = try Self.usableLink(token, tx.rows, now: tx.now)
            try tx.accounts.setPasswordHash(agentId: agent.id, hash, at: tx.now)
            try tx.accounts.endPasswordLinks(agentId: agent.id, purpose: nil, at: tx.now)
            try revokeSessions(of: agent.id, except: nil, tx)
            try tx.audit(agent.auditActor, "agent.password_set", agent.id, ["username": agent.username, "via": link.purpose.rawValue])
            return try startSession(agent, clientKey: key, tx)
        }
    }

    // MARK: Helpers

    func requireMail() throws {
        guard policy.mailEnabled else {
            throw AppError.conflict("This desk does not send e-mail; an admin sets passwords in Settings → Team.",
                                    code: "email_unavailable")
        }
    }

    /// A new link: 256 random bits, only the SHA-256 stored.
    private func issueLink(_ purpose: PasswordLink.Purpose, for agent: Agent, _ tx: Transaction) throws -> (String, PasswordLink) {
        let token = Secrets.token(prefix: "sbp_")
        let link = PasswordLink(id: Identifiers.uuid(), agentId: agent.id, purpose: purpose, tokenHash: Secrets.sha256(token),
                                createdAt: tx.now, expiresAt: tx.now.adding(seconds: purpose.lifetimeSeconds))
        try tx.accounts.insertPasswordLink(link)
        return (token, link)
    }

    /// The console's set-password view; the token in the fragment never reaches a server.
    private func linkURL(_ token: String) -> String {
        "\(policy.publicURL)/agent/#set-password=\(token)"
    }

    /// The link and its agent, or 400 `invalid_token` with a `reason`.
    static func usableLink(_ token: String, _ rows: any StoreReader, now: Timestamp) throws -> (PasswordLink, Agent) {
        func refused(_ reason: String, _ detail: String) -> AppError {
            AppError(status: 400, code: "invalid_token", detail: detail, reason: reason)
        }
        guard token.utf8.count <= 256, let link = try rows.passwordLink(tokenHash: Secrets.sha256(token)),
              let agent = try rows.agent(id: link.agentId), !agent.disabled else {
            throw refused("unknown", "This link is not valid.")
        }
        if link.usedAt != nil { throw refused("used", "This link was already used or replaced by a newer one.") }
        if link.expiresAt <= now { throw refused("expired", "This link has expired.") }
        return (link, agent)
    }
}

extension OutgoingEmail {
    /// The body without the single-use link (kept once the e-mail is sent or given up).
    public var bodyWithoutLink: String {
        guard kind.carriesLink, let marker = body.range(of: "#set-password=") else { return body }
        let end = body[marker.upperBound...].firstIndex(where: \.isWhitespace) ?? body.endIndex
        return body.replacingCharacters(in: marker.lowerBound..<end, with: "#set-password=(removed once sent)")
    }
}
