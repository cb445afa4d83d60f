import SwitchboardCore

/// Labels (API.md "Labels"): admins keep the set (audited), every agent labels
/// conversations. A label change is announced to agents only.
extension ChatService {
    public func labels() throws -> [Label] {
        try read { try $0.labels() }
    }

    public func createLabel(_ input: LabelInput, by actor: AuditEntry.Actor) throws -> Label {
        guard let name = input.name, let color = input.color else {
            throw AppError.badRequest("name and color are required.", code: "invalid_label")
        }
        let label = Label(id: Identifiers.uuid(), name: try Self.labelName(name), color: try Self.labelColor(color))
        return try write { tx in
            guard try tx.rows.labels().count < Limits.labelsMax else {
                throw AppError.conflict("At most \(Limits.labelsMax) labels.", code: "label_limit")
            }
            try Self.requireFreeLabel(label.name, except: nil, tx.rows)
            try tx.rows.insertLabel(label, at: tx.now)
            try tx.audit(actor, "label.created", label.id, ["name": label.name, "color": label.color])
            try tx.emit(.labelsChanged(try tx.rows.labels()))
            return label
        }
    }

    public func updateLabel(id: String, _ input: LabelInput, by actor: AuditEntry.Actor) throws -> Label {
        let name = try input.name.map(Self.labelName)
        let color = try input.color.map(Self.labelColor)
        return try write { tx in
            guard var label = try tx.rows.label(id: id) else { throw Self.labelNotFound }
            if let name {
                try Self.requireFreeLabel(name, except: id, tx.rows)
                label.name = name
            }
            if let color { label.color = color }
            try tx.rows.updateLabel(label, at: tx.now)
            try tx.audit(actor, "label.updated", label.id, ["name": label.name, "color": label.color])
            try tx.emit(.labelsChanged(try tx.rows.labels()))
            return label
        }
    }

    /// Deletes a label and takes it off every conversation.
    public func deleteLabel(id: String, by actor: AuditEntry.Actor) throws {
        try write { tx in
            guard let label = try tx.rows.label(id: id) else { throw Self.labelNotFound }
            try tx.rows.deleteLabel(id: id)
            try tx.audit(actor, "label.deleted", id, ["name": label.name])
            try tx.emit(.labelsChanged(try tx.rows.labels()))
        }
    }

    /// Replaces a conversation's labels (any agent, closed conversations too).
    public func setLabels(_ conversationId: String, labelIds: [String], by agent: Agent) throws -> AgentConversation {
        var unique: [String] = []
        for id in labelIds where !unique.contains(id) { unique.append(id) }
        guard unique.count <= Limits.labelsPerConversation else {
            throw AppError.badRequest("label_ids: at most \(Limits.labelsPerConversation) labels.", code: "invalid_label")
        }
        return try write { tx in
            _ = try tx.conversation(conversationId)
            for id in unique where try tx.rows.label(id: id) == nil {
                throw AppError.badRequest("label_ids: no label \(id).", code: "invalid_label")
            }
            try tx.rows.setLabels(conversationId: conversationId, labelIds: unique)
            let view = try agentView(try tx.conversation(conversationId), tx, viewer: agent)
            try tx.emit(.conversationLabelled(view.conversation))
            return view
        }
    }

    // MARK: The agent views

    /// Conversations as the console shows them: each with its newest message and its labels
    /// (one read for the whole page).
    static func summaries(_ pairs: [(Conversation, Message?)], _ rows: any StoreReader) throws -> [AgentConversation] {
        let labels = try rows.labels(conversationIds: pairs.map(\.0.id))
        return pairs.map { conversation, last in
            var conversation = conversation
            conversation.labels = labels[conversation.id] ?? []
            return AgentConversation(conversation, lastMessage: last)
        }
    }

    /// One conversation as the console shows it to `viewer` (nil: as to an agent who has not
    /// opened it): its newest message, the viewer's unread count, its labels.
    static func summary(_ conversation: Conversation, viewer: String?, _ rows: any StoreReader) throws -> AgentConversation {
        var conversation = conversation
        conversation.unreadCount = try rows.unreadCount(conversationId: conversation.id, agentId: viewer)
        return try summaries([(conversation, try rows.lastMessage(conversationId: conversation.id))], rows)[0]
    }

    // MARK: Rules

    static let labelNotFound = AppError.notFound("No such label.", code: "label_not_found")

    static func labelName(_ name: String) throws -> String {
        try Validate.text(name, "name", Limits.labelName, code: "invalid_label")
    }

    static func labelColor(_ color: String) throws -> String {
        try Validate.color(color, "color", code: "invalid_label")
    }

    static func requireFreeLabel(_ name: String, except: String?, _ rows: any StoreReader) throws {
        if let taken = try rows.label(name: name), taken.id != except {
            throw AppError.conflict("There is a label \(taken.name) already.", code: "label_taken")
        }
    }
}
