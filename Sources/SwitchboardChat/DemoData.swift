import SwitchboardCore

/// The demo shop's accounts (and the reader of its FAQ file), used by `switchboard seed` (idempotent).
public enum DemoData {
    /// Reads an FAQ file (a JSON array of `FAQInput`, as `switchboard faq export` writes).
    public static func readFAQs(_ bytes: [UInt8]) throws -> [FAQInput] {
        do {
            return try WireJSON.decode([FAQInput].self, from: bytes)
        } catch {
            throw AppError.badRequest("The FAQ file is not a JSON array of {question, answer, slug?, keywords?, position?, enabled?}: \(error)",
                                      code: "invalid_faq")
        }
    }

    /// What seeding did to one account.
    public enum AccountOutcome: Equatable, Sendable {
        case created(password: String)
        case passwordReset(password: String)
        case unchanged
    }

    /// Creates the account if missing; with `password` given, also resets an existing one.
    public static func seedAccount(_ service: ChatService, username: String, displayName: String, role: AgentRole,
                                   password: String?) throws -> AccountOutcome {
        if try service.agent(username: username) != nil {
            guard let password else { return .unchanged }
            try service.setPassword(username: username, password: password, demo: true)
            return .passwordReset(password: password)
        }
        let chosen = password ?? Secrets.password()
        _ = try service.createAgent(username: username, password: chosen, displayName: displayName, role: role)
        try service.markDemo(username: username)
        return .created(password: chosen)
    }
}
