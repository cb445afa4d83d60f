import SwitchboardCore

/// Canned replies in memory, with the same effects as the SQLite statements.
extension MemoryRows {
    func cannedReplies(visibleTo agentId: String) throws -> [CannedReply] {
        state.cannedReplies.values.filter { $0.scope == .team || $0.ownerAgentId == agentId }
            .sorted { ($0.shortcut, $0.scope.rawValue) < ($1.shortcut, $1.scope.rawValue) }
    }

    func cannedReply(id: String) throws -> CannedReply? { state.cannedReplies[id] }

    func cannedReply(shortcut: String, scope: CannedReply.Scope, ownerAgentId: String?) throws -> CannedReply? {
        state.cannedReplies.values.first { $0.shortcut == shortcut && $0.scope == scope && $0.ownerAgentId == ownerAgentId }
    }

    func cannedReplyCount(scope: CannedReply.Scope, ownerAgentId: String?) throws -> Int {
        state.cannedReplies.values.count { $0.scope == scope && $0.ownerAgentId == ownerAgentId }
    }

    func insertCannedReply(_ reply: CannedReply) throws { state.cannedReplies[reply.id] = reply }

    func updateCannedReply(_ reply: CannedReply) throws {
        guard var stored = state.cannedReplies[reply.id] else { return }
        stored.shortcut = reply.shortcut
        stored.title = reply.title
        stored.content = reply.content
        stored.updatedAt = reply.updatedAt
        state.cannedReplies[reply.id] = stored
    }

    func deleteCannedReply(id: String) throws { state.cannedReplies[id] = nil }
}
