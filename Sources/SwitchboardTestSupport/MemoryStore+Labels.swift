import SwitchboardCore

/// Labels in memory, with the same effects as the SQLite statements.
extension MemoryRows {
    func labels() throws -> [Label] {
        state.labels.values.sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    func label(id: String) throws -> Label? { state.labels[id] }

    func label(name: String) throws -> Label? {
        state.labels.values.first { $0.name.lowercased() == name.lowercased() }
    }

    func labels(conversationIds: [String]) throws -> [String: [Label]] {
        var byConversation: [String: [Label]] = [:]
        for id in conversationIds {
            let labels = (state.conversationLabels[id] ?? []).compactMap { state.labels[$0] }
            if !labels.isEmpty { byConversation[id] = labels.sorted { $0.name.lowercased() < $1.name.lowercased() } }
        }
        return byConversation
    }

    func insertLabel(_ label: Label, at now: Timestamp) throws { state.labels[label.id] = label }

    func updateLabel(_ label: Label, at now: Timestamp) throws { state.labels[label.id] = label }

    func deleteLabel(id: String) throws {
        state.labels[id] = nil
        for key in state.conversationLabels.keys { state.conversationLabels[key]?.remove(id) }
    }

    func setLabels(conversationId: String, labelIds: [String]) throws {
        state.conversationLabels[conversationId] = Set(labelIds)
    }
}
