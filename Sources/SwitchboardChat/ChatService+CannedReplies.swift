import SwitchboardCore

/// Canned replies (API.md "Canned replies"): every agent keeps their own; admins keep the
/// team's (audited, like every admin change). Someone else's personal reply does not exist
/// as far as another agent can tell (404), admins included.
extension ChatService {
    /// At most this many replies in one scope and owner (the team's, or one agent's).
    public static let cannedRepliesMax = 500

    /// The team's replies and the caller's own; `query` matches the start of the shortcut,
    /// or every one of its words starts a word of the title or the content (any case).
    public func cannedReplies(for agent: Agent, query: String?) throws -> [CannedReply] {
        let all = try read { try $0.cannedReplies(visibleTo: agent.id) }
        let q = (query ?? "").trimmingSpaces.lowercased()
        guard !q.isEmpty else { return all }
        let terms = Self.words(q)
        return all.filter { reply in
            if reply.shortcut.hasPrefix(q.hasPrefix("/") ? String(q.dropFirst()) : q) { return true }
            let words = Self.words((reply.title + " " + reply.content).lowercased())
            return terms.allSatisfy { term in words.contains { $0.hasPrefix(term) } }
        }
    }

    public func createCannedReply(_ input: CannedReplyInput, by agent: Agent) throws -> CannedReply {
        let scope = input.scope ?? .personal
        if scope == .team { try Self.requireAdmin(agent) }
        let shortcut = try Self.shortcut(input.shortcut)
        let title = try Validate.text(input.title, "title", Limits.cannedTitle, code: "invalid_title")
        let content = try Self.template(input.content)
        let owner = scope == .team ? nil : agent.id
        return try write { tx in
            guard try tx.rows.cannedReplyCount(scope: scope, ownerAgentId: owner) < Self.cannedRepliesMax else {
                throw AppError.conflict("At most \(Self.cannedRepliesMax) canned replies here.", code: "canned_reply_limit")
            }
            try Self.requireFree(shortcut, scope: scope, owner: owner, except: nil, tx.rows)
            let reply = CannedReply(id: Identifiers.uuid(), shortcut: shortcut, title: title, content: content, scope: scope,
                                    ownerAgentId: owner, createdAt: tx.now, updatedAt: tx.now)
            try tx.rows.insertCannedReply(reply)
            if scope == .team { try tx.audit(agent.auditActor, "canned_reply.created", reply.id, ["shortcut": shortcut]) }
            return reply
        }
    }

    public func updateCannedReply(id: String, _ patch: CannedReplyPatch, by agent: Agent) throws -> CannedReply {
        let shortcut = try patch.shortcut.map { try Self.shortcut($0) }
        let title = try patch.title.map { try Validate.text($0, "title", Limits.cannedTitle, code: "invalid_title") }
        let content = try patch.content.map { try Self.template($0) }
        return try write { tx in
            var reply = try Self.editable(id, by: agent, tx.rows)
            if let shortcut, shortcut != reply.shortcut {
                try Self.requireFree(shortcut, scope: reply.scope, owner: reply.ownerAgentId, except: reply.id, tx.rows)
                reply.shortcut = shortcut
            }
            if let title { reply.title = title }
            if let content { reply.content = content }
            reply.updatedAt = tx.now
            try tx.rows.updateCannedReply(reply)
            if reply.scope == .team { try tx.audit(agent.auditActor, "canned_reply.updated", reply.id, ["shortcut": reply.shortcut]) }
            return reply
        }
    }

    public func deleteCannedReply(id: String, by agent: Agent) throws {
        try write { tx in
            let reply = try Self.editable(id, by: agent, tx.rows)
            try tx.rows.deleteCannedReply(id: id)
            if reply.scope == .team { try tx.audit(agent.auditActor, "canned_reply.deleted", reply.id, ["shortcut": reply.shortcut]) }
        }
    }

    /// The reply filled in for one conversation: its contact, the caller, the shop. A value
    /// that is missing becomes the variable's fallback, or nothing.
    public func renderCannedReply(id: String, conversationId: String, by agent: Agent) throws -> String {
        try read { rows in
            guard let reply = try rows.cannedReply(id: id), reply.scope == .team || reply.ownerAgentId == agent.id else {
                throw Self.cannedReplyNotFound
            }
            guard let conversation = try rows.conversation(id: conversationId) else { throw AppError.conversationNotFound }
            let contact = try rows.contact(id: conversation.contactId)
            let name = contact?.name ?? ""
            let settings = try rows.settings() ?? .defaults
            return CannedTemplate.render(reply.content, values: [
                "contact.name": name,
                "contact.first_name": Self.words(name).first ?? "",
                "contact.email": contact?.email ?? conversation.customerEmail ?? "",
                "agent.name": agent.displayName,
                "brand.name": settings.brandName,
            ])
        }
    }

    // MARK: Rules

    static let cannedReplyNotFound = AppError.notFound("No such canned reply.", code: "canned_reply_not_found")

    static func requireAdmin(_ agent: Agent) throws {
        guard agent.role == .admin else {
            throw AppError.forbidden("Only admins keep the team's canned replies.", code: "admin_required")
        }
    }

    /// The owner edits a personal reply; an admin edits the team's; anyone else's personal
    /// reply is a 404 (it is not theirs to know about).
    static func editable(_ id: String, by agent: Agent, _ rows: any StoreReader) throws -> CannedReply {
        guard let reply = try rows.cannedReply(id: id), reply.scope == .team || reply.ownerAgentId == agent.id else {
            throw cannedReplyNotFound
        }
        if reply.scope == .team { try requireAdmin(agent) }
        return reply
    }

    static func requireFree(_ shortcut: String, scope: CannedReply.Scope, owner: String?, except: String?,
                            _ rows: any StoreReader) throws {
        if let taken = try rows.cannedReply(shortcut: shortcut, scope: scope, ownerAgentId: owner), taken.id != except {
            throw AppError.conflict("The shortcut /\(shortcut) is taken.", code: "shortcut_taken")
        }
    }

    /// `[a-z0-9][a-z0-9_-]{0,31}`, given with or without its "/" and in any case.
    static func shortcut(_ text: String) throws -> String {
        var value = text.trimmingSpaces.lowercased()
        if value.hasPrefix("/") { value.removeFirst() }
        let scalars = Array(value.unicodeScalars)
        func allowed(_ c: Unicode.Scalar, first: Bool) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || (!first && (c == "_" || c == "-"))
        }
        guard (1...32).contains(scalars.count), allowed(scalars[0], first: true), scalars.dropFirst().allSatisfy({ allowed($0, first: false) })
        else {
            throw AppError.badRequest("shortcut: 1–32 characters of a–z, 0–9, '_' or '-', starting with a letter or digit.",
                                      code: "invalid_shortcut")
        }
        return value
    }

    /// Content like a message's, whose `{{…}}` name only known variables.
    static func template(_ text: String) throws -> String {
        let content = try Validate.content(text)
        if case .failure(let unknown) = CannedTemplate.parse(content) {
            throw AppError.badRequest("content: unknown variable {{\(unknown.name)}}; use one of "
                                      + CannedTemplate.variables.map { "{{\($0)}}" }.joined(separator: ", ") + ".",
                                      code: "unknown_variable")
        }
        return content
    }

    static func words(_ text: String) -> [String] {
        text.split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}
