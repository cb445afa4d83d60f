/// The answers of the invitation and reset routes (API.md "Invitations and forgotten passwords").
public enum PasswordLinkAnswer {
    /// `GET /agent/auth/options`: what the sign-in page offers before anyone signs in.
    public struct Options: Codable, Equatable, Sendable {
        /// The desk sends e-mail: "Forgot your password?" can send a link.
        public var passwordReset: Bool
        /// An account `switchboard seed` made still has the password it printed.
        public var demoAccounts: Bool

        public init(passwordReset: Bool, demoAccounts: Bool) {
            self.passwordReset = passwordReset
            self.demoAccounts = demoAccounts
        }

        enum CodingKeys: String, CodingKey { case passwordReset = "password_reset", demoAccounts = "demo_accounts" }
    }

    /// `POST /agent/auth/password-reset`: the same whatever the address.
    public struct ResetRequested: Codable, Equatable, Sendable {
        public var status = "sent"
        public var expiresInSeconds = PasswordLink.Purpose.reset.lifetimeSeconds

        public init() {}

        enum CodingKeys: String, CodingKey { case status, expiresInSeconds = "expires_in_seconds" }
    }

    /// `POST /agent/auth/password-link`: whose link it is, for the set-password page.
    public struct Link: Codable, Equatable, Sendable {
        public var purpose: String
        public var username: String
        public var displayName: String
        public var expiresAt: Timestamp

        public init(_ link: PasswordLink, agent: Agent) {
            purpose = link.purpose.rawValue
            username = agent.username
            displayName = agent.displayName
            expiresAt = link.expiresAt
        }

        enum CodingKeys: String, CodingKey { case purpose, username, displayName = "display_name", expiresAt = "expires_at" }
    }

    /// `POST /admin/agents/{id}/invite`.
    public struct Invitation: Codable, Equatable, Sendable {
        public var email: String
        public var expiresAt: Timestamp

        public init(email: String, expiresAt: Timestamp) {
            self.email = email
            self.expiresAt = expiresAt
        }

        enum CodingKeys: String, CodingKey { case email, expiresAt = "expires_at" }
    }
}
