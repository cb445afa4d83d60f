import SwitchboardCore

/// Invitation and reset links and the demo accounts' mark in memory, with the same effects
/// as the SQLite statements.
extension MemoryRows {
    func passwordLink(tokenHash: [UInt8]) throws -> PasswordLink? {
        state.passwordLinks.first { $0.tokenHash == tokenHash }
    }

    func passwordLinks(agentId: String, purpose: PasswordLink.Purpose, since: Timestamp) throws -> [PasswordLink] {
        state.passwordLinks.filter { $0.agentId == agentId && $0.purpose == purpose && $0.createdAt >= since }
    }

    func agents(email: String) throws -> [Agent] {
        state.agents.values.filter { $0.email?.lowercased() == email.lowercased() }.sorted { $0.createdAt < $1.createdAt }
    }

    func demoAccountsExist() throws -> Bool {
        state.demoAgents.contains { state.agents[$0].map { !$0.disabled } ?? false }
    }

    func insertPasswordLink(_ link: PasswordLink) throws {
        state.passwordLinks.append(link)
    }

    func endPasswordLinks(agentId: String, purpose: PasswordLink.Purpose?, at now: Timestamp) throws {
        for index in state.passwordLinks.indices where state.passwordLinks[index].agentId == agentId
            && state.passwordLinks[index].usedAt == nil && (purpose == nil || state.passwordLinks[index].purpose == purpose) {
            state.passwordLinks[index].usedAt = now
        }
    }

    func setDemo(agentId: String, _ demo: Bool) throws {
        if demo { state.demoAgents.insert(agentId) } else { state.demoAgents.remove(agentId) }
    }
}
