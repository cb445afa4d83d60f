/// A single-use link to choose one's own password: an invitation an admin sent (72 h) or a
/// reset the agent asked for on the sign-in page (1 h). Only the token's SHA-256 is kept.
public struct PasswordLink: Equatable, Sendable {
    public enum Purpose: String, Sendable {
        case invite
        case reset

        /// How long a link of this kind works.
        public var lifetimeSeconds: Int64 {
            switch self {
            case .invite: 72 * 3600
            case .reset: 3600
            }
        }
    }

    public var id: String
    public var agentId: String
    public var purpose: Purpose
    public var tokenHash: [UInt8]
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    /// When it was used, or ended unused (a newer link, a password set another way).
    public var usedAt: Timestamp?

    public init(id: String, agentId: String, purpose: Purpose, tokenHash: [UInt8], createdAt: Timestamp,
                expiresAt: Timestamp, usedAt: Timestamp? = nil) {
        self.id = id
        self.agentId = agentId
        self.purpose = purpose
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

/// The reads behind invitations, resets and the sign-in page's options.
public protocol PasswordLinkReader {
    func passwordLink(tokenHash: [UInt8]) throws -> PasswordLink?
    /// The agent's links of `purpose` made at or after `since`, oldest first.
    func passwordLinks(agentId: String, purpose: PasswordLink.Purpose, since: Timestamp) throws -> [PasswordLink]
    /// Agents whose e-mail is `email` (case-insensitive).
    func agents(email: String) throws -> [Agent]
    /// An enabled account `switchboard seed` made still has the password it printed.
    func demoAccountsExist() throws -> Bool
}

public protocol PasswordLinkWriter {
    func insertPasswordLink(_ link: PasswordLink) throws
    /// Ends every unused link of the agent (of `purpose`, or all when nil) at `at`.
    func endPasswordLinks(agentId: String, purpose: PasswordLink.Purpose?, at: Timestamp) throws
    /// Marks (or unmarks) an account as a demo account with a printed password.
    func setDemo(agentId: String, _ demo: Bool) throws
}
