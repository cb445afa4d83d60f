import SwitchboardCore

/// Uploads in memory, with the same effects as the SQLite statements.
extension MemoryRows {
    func attachment(id: String) throws -> Attachment? { state.attachments[id] }

    func unusedAttachments(before: Timestamp, limit: Int) throws -> [Attachment] {
        Array(state.attachments.values.filter { $0.messageId == nil && $0.createdAt < before }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.prefix(limit))
    }

    func fileInUse(sha256: String) throws -> Bool { state.attachments.values.contains { $0.file.sha256 == sha256 } }

    func fileHashes(contactId: String) throws -> [String] {
        let conversations = Set(state.conversations.values.filter { $0.conversation.contactId == contactId }.map(\.conversation.id))
        return Array(Set(state.attachments.values.filter { conversations.contains($0.conversationId) }.map(\.file.sha256))).sorted()
    }

    func insertAttachment(_ attachment: Attachment) throws {
        guard state.attachments[attachment.id] == nil else { throw MemoryStoreError.constraint("UNIQUE (attachments.id)") }
        state.attachments[attachment.id] = attachment
    }

    func useAttachments(ids: [String], messageId: String) throws {
        for id in ids where state.attachments[id]?.messageId == nil { state.attachments[id]?.messageId = messageId }
    }

    func deleteUnusedAttachment(id: String) throws {
        if state.attachments[id]?.messageId == nil { state.attachments[id] = nil }
    }
}
