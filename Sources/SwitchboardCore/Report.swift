/// One conversation as the reports count it (API.md "Reports"): its times, who held and
/// who first answered it, its rating; the CSV's details only when asked for.
public struct ReportRow: Equatable, Sendable {
    /// The conversation's id: read for the CSV only (`details`), "" in a tally's rows.
    public var id: String
    public var createdAt: Timestamp
    /// The last activity (a message, a change).
    public var updatedAt: Timestamp
    public var status: ConversationStatus
    public var requestedAgentAt: Timestamp?
    /// The first agent message after the request for a person (or the first at all).
    public var firstResponseAt: Timestamp?
    public var firstResponseAgentId: String?
    public var closedAt: Timestamp?
    /// Who holds it (at the close, or now).
    public var agentId: String?
    public var offline: Bool
    public var hasAgentReplied: Bool
    public var ratingScore: Int?
    /// CSV only (`details: true`): the contact's name or e-mail, the holder's name, label names.
    public var contact: String? = nil
    public var agentName: String? = nil
    public var labelNames: [String] = []

    public init(id: String, createdAt: Timestamp, updatedAt: Timestamp, status: ConversationStatus, requestedAgentAt: Timestamp?,
                firstResponseAt: Timestamp?, firstResponseAgentId: String?, closedAt: Timestamp?, agentId: String?,
                offline: Bool, hasAgentReplied: Bool, ratingScore: Int?) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
        self.requestedAgentAt = requestedAgentAt
        self.firstResponseAt = firstResponseAt
        self.firstResponseAgentId = firstResponseAgentId
        self.closedAt = closedAt
        self.agentId = agentId
        self.offline = offline
        self.hasAgentReplied = hasAgentReplied
        self.ratingScore = ratingScore
    }

    /// How long a chat the bot handles must be quiet to count as resolved by it: a shopper
    /// who got the answer leaves, and nothing closes a chat the bot handles.
    public static let botIdleSeconds: Int64 = 3600

    /// Never asked for a person, and closed or quiet for `botIdleSeconds` at `now`.
    public func botResolved(at now: Timestamp) -> Bool {
        requestedAgentAt == nil && (status == .closed || updatedAt.adding(seconds: Self.botIdleSeconds) <= now)
    }
    /// Closed and an agent wrote in it: the widget asked (or could have).
    public var rateable: Bool { status == .closed && hasAgentReplied }
}

/// Which conversations a report counts: created in `[from, to)`, with a label, held or
/// first answered by an agent.
public struct ReportFilter: Equatable, Sendable {
    public var from: Timestamp
    public var to: Timestamp
    public var labelId: String?
    public var agentId: String?

    public init(from: Timestamp, to: Timestamp, labelId: String? = nil, agentId: String? = nil) {
        self.from = from
        self.to = to
        self.labelId = labelId
        self.agentId = agentId
    }
}

/// The store's side of reports and ratings.
public protocol ReportReader {
    /// Every conversation the filter matches, oldest first, one at a time (a CSV of
    /// 100,000 rows is never held whole); `details` adds the CSV's columns.
    func reportRows(_ filter: ReportFilter, details: Bool, _ body: (ReportRow) throws -> Void) throws
}

public protocol ReportWriter {
    /// Stores the rating of the closing at `closedAt`; false when that closing has one already.
    func insertRating(conversationId: String, closedAt: Timestamp, _ rating: Rating) throws -> Bool
}
