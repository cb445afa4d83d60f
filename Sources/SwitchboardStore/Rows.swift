import Foundation
import GRDB
import SwitchboardCore

/// Row → record mapping, in one place so every query selects the same columns in the same
/// order. Records read columns by position (a query starts with these columns): by name,
/// GRDB compares every column name case-insensitively on each access, which showed in the
/// worker's profile (`String.lowercased`) on every request that decodes a conversation or
/// an agent. Each statement's column names are checked against what its decoder reads the
/// first time it runs, in every build (`verify`); debug builds also check every row.
enum Columns {
    static let conversationNames = ["id", "status", "assigned_agent_id", "assigned_agent_name", "has_agent_replied",
                                    "requested_agent_at", "closed_at", "created_at", "updated_at", "customer_display_name",
                                    "customer_email", "contact_source", "offline", "transcript_requested", "contact_id",
                                    "contact_external_id", "contact_verified", "contact_name", "contact_email",
                                    "assigned_agent_presence", "awaiting_since", "rating_score", "rating_comment",
                                    "rating_created_at"]
    /// Joined columns: the assigned agent's name (alias `a`), the contact's summary (`k`) and
    /// the rating of the current closing (`r`).
    private static let joined = ["assigned_agent_name": "a.display_name", "assigned_agent_presence": "a.presence",
                                 "contact_external_id": "k.external_id",
                                 "contact_verified": "k.verified", "contact_name": "k.name", "contact_email": "k.email",
                                 "rating_score": "r.score", "rating_comment": "r.comment", "rating_created_at": "r.created_at"]
    static let conversation = conversationNames.map { name in joined[name].map { "\($0) AS \(name)" } ?? "c." + name }
        .joined(separator: ", ")
    static let conversationFrom = """
        conversations c LEFT JOIN agents a ON a.id = c.assigned_agent_id LEFT JOIN contacts k ON k.id = c.contact_id
        LEFT JOIN ratings r ON r.conversation_id = c.id AND r.closed_at = c.closed_at
        """

    static let contactNames = ["id", "external_id", "verified", "name", "email", "name_from_token", "email_from_token",
                               "created_at", "last_seen_at", "conversations_count"]
    /// A contact's columns (alias `k`) with its conversations counted.
    static let contact = contactNames.dropLast().map { "k." + $0 }.joined(separator: ", ")
        + ", (SELECT COUNT(*) FROM conversations x WHERE x.contact_id = k.id) AS conversations_count"

    static let messageNames = ["seq", "id", "conversation_id", "sender_type", "sender_agent_id", "kind", "content",
                               "metadata", "client_message_id", "created_at", "attachments"]
    static let message = messageNames.joined(separator: ", ")
    /// The same columns of the `m` alias, prefixed `m_`, after a conversation's columns.
    static let prefixedMessage = messageNames.map { "m.\($0) AS m_\($0)" }.joined(separator: ", ")

    /// A conversation's columns, then its newest message's (prefixed `m_`).
    static let conversationAndMessageNames = conversationNames + messageNames.map { "m_" + $0 }

    static let agentNames = ["id", "username", "display_name", "role", "presence", "max_active_chats", "disabled", "last_seen_at",
                             "away_since", "email", "email_notifications", "created_at", "updated_at", "integration"]

    /// The agent columns of the bare table, and of the alias `a`. Built once: a statement's
    /// text is its cache key, and building it per call showed in the profile of `/agent/me`.
    static let agent = agentNames.joined(separator: ", ")
    static let agentOfA = agentNames.map { "a." + $0 }.joined(separator: ", ")

    /// Statements whose column names were found as their decoders read them.
    private static let verified = VerifiedStatements()

    /// Refuses (`StoreError.columns`) a statement whose leading column names are not
    /// `expected`, once per prepared statement: a positional read of another column would hand
    /// a wrong value to the wrong field without a word.
    static func verify(_ statement: Statement, _ expected: [String]) throws {
        guard !expected.isEmpty, !verified.contains(statement) else { return }
        let names = statement.columnNames
        guard names.count >= expected.count, zip(names, expected).allSatisfy({ $0 == $1 }) else {
            throw StoreError.columns(expected: expected, found: names)
        }
        verified.insert(statement)
    }

    /// Debug builds: the row has `names` (with `prefix`) from `offset` on.
    static func check(_ row: Row, _ names: [String], offset: Int = 0, prefix: String = "") -> Bool {
        let columns = Array(row.columnNames)
        return columns.count >= offset + names.count
            && zip(columns[offset...], names).allSatisfy { $0 == prefix + $1 }
    }
}

enum Records {
    static func conversation(_ row: Row) throws -> Conversation {
        assert(Columns.check(row, Columns.conversationNames), "conversation columns out of order: \(row.columnNames)")
        let id: String = row[0]
        var conversation = Conversation(
            id: id,
            status: try parse(row[1], "conversations", row: id, "status"),
            assignedAgentId: row[2],
            assignedAgentName: row[3],
            hasAgentReplied: row[4],
            requestedAgentAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:)),
            closedAt: (row[6] as Int64?).map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: row[7]),
            updatedAt: Timestamp(milliseconds: row[8]),
            customerDisplayName: row[9],
            customerEmail: row[10],
            contactSource: try (row[11] as String?).map { try parse($0, "conversations", row: id, "contact_source") },
            offline: row[12],
            transcriptRequested: row[13],
            contactId: row[14] ?? "",
            contact: (row[14] as String?).map { contactId in
                ContactSummary(id: contactId, externalId: row[15], verified: row[16] ?? false, name: row[17], email: row[18])
            })
        conversation.assignedAgentPresence = try (row[19] as String?).map { try parse($0, "agents", row: id, "presence") }
        conversation.awaitingSince = (row[20] as Int64?).map(Timestamp.init(milliseconds:))
        if let score = row[21] as Int? {
            conversation.rating = Rating(score: score, comment: row[22] ?? "", createdAt: Timestamp(milliseconds: row[23]))
        }
        return conversation
    }

    static func contact(_ row: Row) throws -> Contact {
        assert(Columns.check(row, Columns.contactNames), "contact columns out of order: \(row.columnNames)")
        return Contact(id: row[0], externalId: row[1], verified: row[2], name: row[3], email: row[4],
                       nameFromToken: row[5], emailFromToken: row[6], createdAt: Timestamp(milliseconds: row[7]),
                       lastSeenAt: Timestamp(milliseconds: row[8]), conversationsCount: row[9])
    }

    /// A message from its columns, at the start of the row or (`prefixed`) after a
    /// conversation's; nil when those are NULL (a conversation without messages in a LEFT JOIN).
    static func message(_ row: Row, prefixed: Bool = false) throws -> Message? {
        let o = prefixed ? Columns.conversationNames.count : 0
        assert(Columns.check(row, Columns.messageNames, offset: o, prefix: prefixed ? "m_" : ""),
               "message columns out of order: \(row.columnNames)")
        guard let seq = row[o] as Int64? else { return nil }
        let id: String = row[o + 1]
        return Message(
            seq: seq,
            id: id,
            conversationId: row[o + 2],
            senderType: try parse(row[o + 3], "messages", row: id, "sender_type"),
            senderAgentId: row[o + 4],
            kind: try parse(row[o + 5], "messages", row: id, "kind"),
            content: row[o + 6],
            metadata: decodeMetadata(row[o + 7]),
            clientMessageId: row[o + 8],
            createdAt: Timestamp(milliseconds: row[o + 9]),
            attachments: decodeAttachments(row[o + 10]))
    }

    /// A message's files as stored (nil: none; an unreadable list reads as none, like metadata).
    static func decodeAttachments(_ text: String?) -> [AttachmentRef] {
        guard let text else { return [] }
        return (try? WireJSON.decode([AttachmentRef].self, from: text)) ?? []
    }

    static func encodeAttachments(_ refs: [AttachmentRef]) throws -> String? {
        guard !refs.isEmpty else { return nil }
        return try FileLinks.$storing.withValue(true) { try WireJSON.string(refs) }
    }

    static func agent(_ row: Row) throws -> Agent {
        assert(Columns.check(row, Columns.agentNames), "agent columns out of order: \(row.columnNames)")
        let id: String = row[0]
        return Agent(
            id: id,
            username: row[1],
            displayName: row[2],
            role: try parse(row[3], "agents", row: id, "role"),
            presence: try parse(row[4], "agents", row: id, "presence"),
            maxActiveChats: row[5],
            disabled: row[6],
            lastSeenAt: (row[7] as Int64?).map(Timestamp.init(milliseconds:)),
            awaySince: (row[8] as Int64?).map(Timestamp.init(milliseconds:)),
            email: row[9],
            emailNotifications: row[10],
            createdAt: Timestamp(milliseconds: row[11]),
            updatedAt: Timestamp(milliseconds: row[12]),
            integration: row[13])
    }

    static let emailColumns = """
        id, kind, conversation_id, recipient, reply_to, subject, body, state, not_before, attempts, last_error, anchor_seq,
        created_at, sent_at
        """

    static func email(_ row: Row) throws -> OutgoingEmail {
        let id: Int64 = row["id"]
        return OutgoingEmail(
            id: id, kind: try parse(row["kind"], "emails", row: String(id), "kind"), conversationId: row["conversation_id"],
            recipient: row["recipient"], replyTo: row["reply_to"], subject: row["subject"], body: row["body"],
            state: try parse(row["state"], "emails", row: String(id), "state"), notBefore: Timestamp(milliseconds: row["not_before"]),
            attempts: row["attempts"], lastError: row["last_error"], anchorSeq: row["anchor_seq"],
            createdAt: Timestamp(milliseconds: row["created_at"]), sentAt: (row["sent_at"] as Int64?).map(Timestamp.init(milliseconds:)))
    }

    static let faqColumns = "id, slug, question, answer, keywords, position, enabled, created_at, updated_at"

    static func faq(_ row: Row) -> FAQ {
        FAQ(id: row["id"], slug: row["slug"], question: row["question"], answer: row["answer"],
            keywords: (try? WireJSON.decode([String].self, from: row["keywords"] as String)) ?? [],
            position: row["position"], enabled: row["enabled"],
            createdAt: Timestamp(milliseconds: row["created_at"]), updatedAt: Timestamp(milliseconds: row["updated_at"]))
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(id: row["id"], actor: AuditEntry.Actor(id: row["actor_id"], username: row["actor_username"],
                                                          integration: row["actor_integration"]),
                   action: row["action"], target: row["target"],
                   data: (try? WireJSON.decode(AuditData.self, from: row["data"] as String)) ?? AuditData(),
                   createdAt: Timestamp(milliseconds: row["created_at"]))
    }

    static func encodeMetadata(_ metadata: MessageMetadata?) throws -> String? {
        try metadata.map { try WireJSON.string($0) }
    }

    static func decodeMetadata(_ text: String?) -> MessageMetadata? {
        guard let text else { return nil }
        return try? WireJSON.decode(MessageMetadata.self, from: text)
    }
}

extension Row {
    /// The first row, decoded in place. GRDB's `fetchOne` copies every column of the row
    /// into a new `Row` before the caller decodes it (perf: ~8 % of the writer's time per
    /// message went to that copy); the records here read their columns once, by position.
    static func decodeOne<T>(_ statement: Statement, arguments: StatementArguments = StatementArguments(),
                             columns: [String] = [], _ decode: (Row) throws -> T) throws -> T? {
        try Columns.verify(statement, columns)
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        // The cursor resets the statement when it goes away.
        return try withExtendedLifetime(cursor) { try cursor.next().map(decode) }
    }

    /// Every row, each decoded in place (see `decodeOne`).
    static func decodeAll<T>(_ statement: Statement, arguments: StatementArguments = StatementArguments(),
                             columns: [String] = [], _ decode: (Row) throws -> T) throws -> [T] {
        try Columns.verify(statement, columns)
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        var all: [T] = []
        while let row = try cursor.next() { all.append(try decode(row)) }
        return all
    }
}
