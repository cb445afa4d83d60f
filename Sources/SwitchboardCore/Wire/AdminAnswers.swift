/// A teammate as `GET /agent/agents` lists them: the Agent's members plus their load.
public struct TeamMember: Codable, Equatable, Sendable {
    public var agent: Agent
    /// Escalated conversations the agent holds now.
    public var activeChats: Int
    /// Until when the invitation sent to the agent works, while one is unused.
    public var invitationExpiresAt: Timestamp?

    public init(agent: Agent, activeChats: Int, invitationExpiresAt: Timestamp? = nil) {
        self.agent = agent
        self.activeChats = activeChats
        self.invitationExpiresAt = invitationExpiresAt
    }

    enum CodingKeys: String, CodingKey { case activeChats = "active_chats", invitationExpiresAt = "invitation_expires_at" }

    public func encode(to encoder: any Encoder) throws {
        try agent.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(activeChats, forKey: .activeChats)
        try container.encode(invitationExpiresAt, forKey: .invitationExpiresAt)
    }

    public init(from decoder: any Decoder) throws {
        agent = try Agent(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        activeChats = try container.decode(Int.self, forKey: .activeChats)
        invitationExpiresAt = try container.decode(Timestamp?.self, forKey: .invitationExpiresAt)
    }
}

/// One admin change, as the audit log keeps it.
public struct AuditEntry: Codable, Equatable, Sendable {
    /// Who made the change: an agent, or the command line (`id` null, `username` "cli").
    public struct Actor: Codable, Equatable, Sendable {
        public var id: String?
        public var username: String
        /// The API key's name when the shop's system made the change.
        public var integration: String?
        public init(id: String?, username: String, integration: String? = nil) {
            self.id = id
            self.username = username
            self.integration = integration
        }
        enum CodingKeys: String, CodingKey { case id, username, integration }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(id, forKey: .id)
            try c.encode(username, forKey: .username)
            try c.encodeIfPresent(integration, forKey: .integration)
        }
        public static let cli = Actor(id: nil, username: "cli")
    }

    public var id: Int64
    public var actor: Actor
    /// `faq.created`, `settings.updated`, `agent.disabled`, …
    public var action: String
    /// What was changed: an FAQ or agent id, or `settings`.
    public var target: String
    /// The change itself (never a password).
    public var data: AuditData
    public var createdAt: Timestamp

    public init(id: Int64, actor: Actor, action: String, target: String, data: AuditData, createdAt: Timestamp) {
        self.id = id
        self.actor = actor
        self.action = action
        self.target = target
        self.data = data
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, actor, action, target, data, createdAt = "created_at"
    }
}

/// An audit entry's details: which members changed, with their new values as text.
public struct AuditData: Codable, Equatable, Sendable {
    public var changes: [String: String]
    public init(_ changes: [String: String] = [:]) { self.changes = changes }

    public func encode(to encoder: any Encoder) throws {
        try changes.sorted { $0.key < $1.key }.reduce(into: DictionaryWriter()) { $0.add($1.key, $1.value) }.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        changes = try [String: String](from: decoder)
    }
}

/// Writes string pairs as an object in the order given (dictionaries have none).
struct DictionaryWriter: Encodable {
    private var pairs: [(String, String)] = []
    mutating func add(_ key: String, _ value: String) { pairs.append((key, value)) }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in pairs { try container.encode(value, forKey: Key(stringValue: key)) }
    }
}

/// The bodies of the admin routes' answers.
public enum AdminAnswer {
    /// `GET /admin/faqs`.
    public struct FAQs: Codable, Equatable, Sendable {
        public var items: [FAQ]
        public init(items: [FAQ]) { self.items = items }
    }

    /// `GET /admin/audit`.
    public struct Audit: Codable, Equatable, Sendable {
        public var items: [AuditEntry]
        public init(items: [AuditEntry]) { self.items = items }
    }

    /// `GET /agent/agents`.
    public struct Team: Codable, Equatable, Sendable {
        public var items: [TeamMember]
        public init(items: [TeamMember]) { self.items = items }
    }
}

/// `GET /customer/widget-config`: what the widget needs before the shopper types.
public struct WidgetConfig: Codable, Equatable, Sendable {
    public var brandName: String
    public var botName: String
    public var widget: WidgetSettings
    public var quickQuestions: [QuickQuestion]
    public var availability: Availability
    /// What the widget checks before sending (the server's own limits).
    public var limits = CustomerLimits()
    /// Whether and what the widget asks after a chat a person answered.
    public var csat: CsatSettings
    /// Whether the shopper may send files, how large, of which types.
    public var attachments: AttachmentLimits

    public init(settings: Settings, quickQuestions: [QuickQuestion], availability: Availability) {
        attachments = AttachmentLimits(settings.attachments, side: .customer)
        brandName = settings.brandName
        botName = settings.botName
        widget = settings.widget
        csat = settings.csat
        self.quickQuestions = quickQuestions
        self.availability = availability
    }

    enum CodingKeys: String, CodingKey {
        case brandName = "brand_name", botName = "bot_name", widget, quickQuestions = "quick_questions", availability, limits, csat
        case attachments
    }
}
