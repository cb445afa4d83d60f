import SwitchboardCore

/// Reports and ratings in memory, with the same effects as the SQLite statements.
extension MemoryState {
    static func ratingKey(_ conversationId: String, _ closedAt: Timestamp) -> String {
        conversationId + "\u{0}" + String(closedAt.milliseconds)
    }
}

extension MemoryRows {
    func reportRows(_ filter: ReportFilter, details: Bool, _ body: (ReportRow) throws -> Void) throws {
        let matching = state.conversations.values.map(\.conversation).filter { c in
            guard c.createdAt >= filter.from, c.createdAt < filter.to else { return false }
            if let label = filter.labelId, state.conversationLabels[c.id]?.contains(label) != true { return false }
            if let agent = filter.agentId, c.assignedAgentId != agent, state.firstResponses[c.id]?.agentId != agent { return false }
            return true
        }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        for c in matching {
            let first = state.firstResponses[c.id]
            var row = ReportRow(id: c.id, createdAt: c.createdAt, updatedAt: c.updatedAt, status: c.status, requestedAgentAt: c.requestedAgentAt,
                                firstResponseAt: first?.at, firstResponseAgentId: first?.agentId, closedAt: c.closedAt,
                                agentId: c.assignedAgentId, offline: c.offline, hasAgentReplied: c.hasAgentReplied,
                                ratingScore: c.closedAt.flatMap { state.ratings[MemoryState.ratingKey(c.id, $0)]?.score })
            if details {
                let contact = state.contacts[c.contactId]
                row.contact = contact?.name.flatMap { $0.isEmpty ? nil : $0 } ?? contact?.email ?? c.customerDisplayName
                row.agentName = c.assignedAgentId.flatMap { state.agents[$0]?.displayName }
                row.labelNames = (state.conversationLabels[c.id] ?? []).compactMap { state.labels[$0]?.name }
                    .sorted { $0.lowercased() < $1.lowercased() }
            }
            try body(row)
        }
    }

    func insertRating(conversationId: String, closedAt: Timestamp, _ rating: Rating) throws -> Bool {
        let key = MemoryState.ratingKey(conversationId, closedAt)
        guard state.ratings[key] == nil else { return false }
        state.ratings[key] = rating
        return true
    }
}
