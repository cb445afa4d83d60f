import Foundation
import SwitchboardCore

/// One line of `switchboard import conversations` (docs/OPERATIONS.md "Bring history from
/// another system"): a closed conversation from another system, with its own times.
public struct ImportedConversation: Decodable, Sendable {
    public struct Person: Decodable, Sendable {
        var name: String?
        var email: String?
        var externalId: String?
        enum CodingKeys: String, CodingKey { case name, email, externalId = "external_id" }
    }

    public struct Line: Decodable, Sendable {
        var sender: String
        var agent: String?
        var content: String
        var at: String
    }

    public struct Score: Decodable, Sendable {
        var score: Int
        var comment: String?
        var at: String
    }

    var id: String?
    var createdAt: String
    var contact: Person?
    var messages: [Line]?
    var requestedAgentAt: String?
    var agent: String?
    var closedAt: String?
    var offline: Bool?
    var rating: Score?
    var labels: [String]?

    enum CodingKeys: String, CodingKey {
        case id, createdAt = "created_at", contact, messages, requestedAgentAt = "requested_agent_at", agent
        case closedAt = "closed_at", offline, rating, labels
    }
}

/// What an import did.
public struct ImportReport: Sendable {
    public var imported = 0
    public var skipped = 0
}

/// A line checked against the rules and the desk's agents and labels, ready to write.
struct CheckedImport {
    struct Line {
        var sender: SenderType
        var agentId: String?
        var content: String
        var at: Timestamp
    }

    var id: String
    var createdAt: Timestamp
    var name: String?
    var email: String?
    var externalId: String?
    var lines: [Line]
    var requestedAgentAt: Timestamp?
    var holderId: String?
    var closedAt: Timestamp
    var offline: Bool
    var rating: Rating?
    var labelIds: [String]
}

extension ChatService {
    /// Checks every line first (`line N: why`, at most `maxErrors` of them) and imports
    /// nothing when one is bad; then writes in transactions of `batch` conversations,
    /// reporting the running count. A line whose id exists is skipped.
    public func importConversations(_ lines: [(number: Int, item: ImportedConversation)], batch: Int = 500,
                                    maxErrors: Int = 20, at now: Timestamp = .now(),
                                    progress: (ImportReport) -> Void = { _ in }) throws -> ImportReport {
        let (agents, labels) = try read { rows in
            (try rows.team().map(\.agent), try rows.labels())
        }
        let agentIds = Dictionary(agents.map { ($0.username, $0.id) }, uniquingKeysWith: { a, _ in a })
        let labelIds = Dictionary(labels.map { ($0.name.lowercased(), $0.id) }, uniquingKeysWith: { a, _ in a })
        var checked: [CheckedImport] = []
        var errors: [String] = []
        var seen = Set<String>()
        for (number, item) in lines {
            do {
                let line = try Self.check(item, agentIds: agentIds, labelIds: labelIds, now: now)
                guard seen.insert(line.id).inserted else { throw AppError.badRequest("id \(line.id) is on an earlier line too.") }
                checked.append(line)
            } catch let error as AppError {
                errors.append("line \(number): \(error.detail)")
                if errors.count >= maxErrors { break }
            }
        }
        guard errors.isEmpty else {
            throw AppError.badRequest(errors.joined(separator: "\n"), code: "invalid_import")
        }
        var report = ImportReport()
        for start in stride(from: 0, to: checked.count, by: batch) {
            let part = checked[start..<min(start + batch, checked.count)]
            let done = try write { tx in
                var done = ImportReport()
                for line in part {
                    if try tx.rows.conversation(id: line.id) != nil {
                        done.skipped += 1
                    } else {
                        try Self.write(line, readers: Array(agentIds.values), tx.rows)
                        done.imported += 1
                    }
                }
                return done
            }
            report.imported += done.imported
            report.skipped += done.skipped
            progress(report)
        }
        return report
    }

    static func check(_ item: ImportedConversation, agentIds: [String: String], labelIds: [String: String],
                      now: Timestamp) throws -> CheckedImport {
        func bad(_ detail: String) -> AppError { AppError.badRequest(detail, code: "invalid_import") }
        func time(_ text: String?, _ field: String) throws -> Timestamp? {
            guard let text else { return nil }
            guard let t = Timestamp(iso8601: text) else { throw bad("\(field): an ISO 8601 UTC time like 2026-11-02T09:00:00Z.") }
            guard t <= now else { throw bad("\(field): \(text) is in the future.") }
            return t
        }
        func agent(_ username: String, _ field: String) throws -> String {
            guard let id = agentIds[username] else { throw bad("\(field): no agent \"\(String(username.prefix(64)))\".") }
            return id
        }
        let id = item.id?.lowercased() ?? Identifiers.uuid()
        guard UUID(uuidString: id) != nil else { throw bad("id: a UUID.") }
        guard let createdAt = try time(item.createdAt, "created_at") else { throw bad("created_at is required.") }
        guard let closedAt = try time(item.closedAt, "closed_at") else {
            throw bad("closed_at is required: only closed conversations are imported.")
        }
        guard closedAt >= createdAt else { throw bad("closed_at is before created_at.") }
        let requested = try time(item.requestedAgentAt, "requested_agent_at")
        if let requested, requested < createdAt || requested > closedAt {
            throw bad("requested_agent_at must lie between created_at and closed_at.")
        }
        let holder = try item.agent.map { try agent($0, "agent") }
        if holder != nil, requested == nil { throw bad("agent: a conversation someone held asked for a person (requested_agent_at).") }
        var lines: [CheckedImport.Line] = []
        for (i, raw) in (item.messages ?? []).enumerated() {
            let field = "messages[\(i)]"
            guard let sender = SenderType(rawValue: raw.sender) else { throw bad("\(field).sender: customer, bot, agent or system.") }
            guard let at = try time(raw.at, "\(field).at") else { throw bad("\(field).at is required.") }
            guard at >= createdAt, at <= closedAt else { throw bad("\(field).at must lie between created_at and closed_at.") }
            if let previous = lines.last?.at, at < previous { throw bad("\(field).at is before the message above it.") }
            var agentId: String?
            if sender == .agent {
                guard let username = raw.agent else { throw bad("\(field).agent: who wrote it (a username).") }
                guard let requested, at >= requested else { throw bad("\(field): an agent writes after requested_agent_at.") }
                agentId = try agent(username, "\(field).agent")
            }
            let content = try Validate.text(raw.content, "\(field).content", 1...Limits.messageMaxCharacters, code: "invalid_import")
            lines.append(.init(sender: sender, agentId: agentId, content: content, at: at))
        }
        var rating: Rating?
        if let r = item.rating {
            guard lines.contains(where: { $0.sender == .agent }) else { throw bad("rating: only a chat an agent wrote in is rated.") }
            guard let at = try time(r.at, "rating.at"), at >= closedAt else { throw bad("rating.at: at or after closed_at.") }
            rating = try Rating.checked(score: r.score, comment: r.comment, at: at)
        }
        let labels = try (item.labels ?? []).map { name in
            guard let id = labelIds[name.lowercased()] else { throw bad("labels: no label \"\(String(name.prefix(40)))\".") }
            return id
        }
        let person = item.contact
        let name = try person?.name.map { try Validate.displayName($0) }
        let email = try person?.email.map { try Validate.email($0, field: "contact.email") }
        let externalId = try person?.externalId.map {
            try Validate.text($0, "contact.external_id", 1...128, code: "invalid_import")
        }
        return CheckedImport(id: id, createdAt: createdAt, name: name, email: email, externalId: externalId, lines: lines,
                             requestedAgentAt: requested, holderId: holder, closedAt: closedAt, offline: item.offline ?? false,
                             rating: rating, labelIds: Array(Set(labels)))
    }

    /// The same row changes a live conversation goes through, at the line's own times; no
    /// events (history is nobody's news) and no e-mail. `readers` (the team) have read it:
    /// history never shows as unread.
    static func write(_ line: CheckedImport, readers: [String], _ rows: any StoreWriter) throws {
        let contact: Contact
        if let externalId = line.externalId, let known = try rows.contact(externalId: externalId, verified: true) {
            contact = known
        } else {
            contact = Contact(id: Identifiers.uuid(), externalId: line.externalId, verified: line.externalId != nil,
                              name: line.name, email: line.email, createdAt: line.createdAt, lastSeenAt: line.closedAt)
            try rows.insertContact(contact)
        }
        let conversation = Conversation(
            id: line.id, status: .automated, assignedAgentId: nil, assignedAgentName: nil, hasAgentReplied: false,
            requestedAgentAt: nil, closedAt: nil, createdAt: line.createdAt, updatedAt: line.createdAt,
            customerDisplayName: line.name ?? "Visitor \(line.id.prefix(4).uppercased())", customerEmail: line.email,
            contactSource: line.email == nil ? nil : .start, contactId: contact.id)
        // A session hash nobody holds: an imported conversation is history, never resumed.
        try rows.insertConversation(conversation, sessionHash: Secrets.randomBytes(32))
        var lastSeq: Int64?
        for l in line.lines {
            let message = Message(seq: 0, id: Identifiers.uuid(), conversationId: line.id, senderType: l.sender,
                                  senderAgentId: l.agentId, kind: .text, content: l.content, metadata: nil,
                                  clientMessageId: nil, createdAt: l.at)
            lastSeq = try rows.insertMessage(message, replyToSeq: nil)
        }
        if let lastSeq {
            for agentId in readers { try rows.setReadCursor(agentId: agentId, conversationId: line.id, seq: lastSeq, at: line.closedAt) }
        }
        if let requested = line.requestedAgentAt {
            try rows.setQueued(conversationId: line.id, at: requested)
            if let holder = line.holderId {
                _ = try rows.assignIfFree(conversationId: line.id, agentId: holder, at: requested)
            }
        }
        if let first = line.lines.first(where: { $0.sender == .agent }), let agentId = first.agentId {
            try rows.markAgentReplied(conversationId: line.id, agentId: agentId, at: first.at)
        }
        if line.offline { try rows.setOffline(conversationId: line.id) }
        try rows.setClosed(conversationId: line.id, at: line.closedAt)
        if let rating = line.rating { _ = try rows.insertRating(conversationId: line.id, closedAt: line.closedAt, rating) }
        if !line.labelIds.isEmpty { try rows.setLabels(conversationId: line.id, labelIds: line.labelIds) }
    }
}
