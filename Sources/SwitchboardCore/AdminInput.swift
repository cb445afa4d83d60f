/// `POST /admin/faqs` (and one entry of an FAQ import file): a new FAQ.
public struct FAQInput: Codable, Equatable, Sendable {
    public var question: String
    public var answer: String
    public var slug: String?
    public var keywords: [String]?
    public var position: Int?
    public var enabled: Bool?

    public init(question: String, answer: String, slug: String? = nil, keywords: [String]? = nil,
                position: Int? = nil, enabled: Bool? = nil) {
        self.question = question
        self.answer = answer
        self.slug = slug
        self.keywords = keywords
        self.position = position
        self.enabled = enabled
    }
}

/// `PATCH /admin/faqs/{id}`: any of the fields; `null` is refused.
public struct FAQPatch: Decodable, Sendable {
    public var question: String?
    public var answer: String?
    public var slug: String?
    public var keywords: [String]?
    public var position: Int?
    public var enabled: Bool?

    enum CodingKeys: String, CodingKey { case question, answer, slug, keywords, position, enabled }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        question = try c.patchValue(String.self, .question)
        answer = try c.patchValue(String.self, .answer)
        slug = try c.patchValue(String.self, .slug)
        keywords = try c.patchValue([String].self, .keywords)
        position = try c.patchValue(Int.self, .position)
        enabled = try c.patchValue(Bool.self, .enabled)
    }

    /// `faq` with the patch applied and checked (400 naming the field).
    public func applied(to faq: FAQ) throws -> FAQ {
        var f = faq
        if let question { f.question = try FAQRules.question(question) }
        if let answer { f.answer = try FAQRules.answer(answer) }
        if let slug { f.slug = try FAQRules.slug(slug) }
        if let keywords { f.keywords = try FAQRules.keywords(keywords) }
        if let position { f.position = try FAQRules.position(position) }
        if let enabled { f.enabled = enabled }
        return f
    }
}

/// The checks on FAQ fields.
public enum FAQRules {
    public static func question(_ text: String) throws -> String {
        try SettingsRules.text(text, "question", 1...Limits.faqQuestionMaxCharacters, code: "invalid_faq")
    }

    public static func answer(_ text: String) throws -> String {
        try SettingsRules.text(text, "answer", 1...Limits.faqAnswerMaxCharacters, code: "invalid_faq")
    }

    public static func slug(_ slug: String) throws -> String {
        guard FAQ.isSlug(slug) else {
            throw AppError.badRequest("slug: 1–\(Limits.slugMaxLength) of a–z and 0–9 in words joined by single hyphens.",
                                      code: "invalid_faq")
        }
        return slug
    }

    /// Trimmed, lower-cased, blank ones dropped, duplicates removed (first kept).
    public static func keywords(_ words: [String]) throws -> [String] {
        var seen = Set<String>()
        let cleaned = words.map { $0.trimmingSpaces.lowercased() }.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard cleaned.count <= Limits.faqKeywordsMax,
              cleaned.allSatisfy({ $0.count <= Limits.faqKeywordMaxCharacters && !$0.contains(",") }) else {
            throw AppError.badRequest("keywords: at most \(Limits.faqKeywordsMax) words or phrases of up to \(Limits.faqKeywordMaxCharacters) characters.",
                                      code: "invalid_faq")
        }
        return cleaned
    }

    public static func position(_ value: Int) throws -> Int {
        guard (0...10_000).contains(value) else {
            throw AppError.badRequest("position: a whole number from 0 to 10000.", code: "invalid_faq")
        }
        return value
    }
}

/// `PATCH /admin/agents/{id}`: any of the fields; `null` is refused.
public struct AgentPatch: Decodable, Sendable {
    public var displayName: String?
    public var role: AgentRole?
    public var maxActiveChats: Int?
    public var disabled: Bool?

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name", role, maxActiveChats = "max_active_chats", disabled
    }

    public init(displayName: String? = nil, role: AgentRole? = nil, maxActiveChats: Int? = nil, disabled: Bool? = nil) {
        self.displayName = displayName
        self.role = role
        self.maxActiveChats = maxActiveChats
        self.disabled = disabled
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        displayName = try c.patchValue(String.self, .displayName)
        if let text = try c.patchValue(String.self, .role) {
            guard let parsed = AgentRole(rawValue: text) else { throw AppError.badRequest("role: agent or admin.", code: "invalid_role") }
            role = parsed
        }
        maxActiveChats = try c.patchValue(Int.self, .maxActiveChats)
        disabled = try c.patchValue(Bool.self, .disabled)
    }
}

/// What an agent may change about themselves (`PATCH /agent/me`): name, e-mail (`null`
/// clears it) and whether offline messages are e-mailed to them.
public struct ProfilePatch: Decodable, Sendable {
    public var displayName: String?
    /// `.some(nil)`: clear it.
    public var email: String??
    public var emailNotifications: Bool?

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name", email, emailNotifications = "email_notifications"
    }

    public init(displayName: String? = nil, email: String?? = nil, emailNotifications: Bool? = nil) {
        self.displayName = displayName
        self.email = email
        self.emailNotifications = emailNotifications
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        displayName = try c.patchValue(String.self, .displayName)
        if c.contains(.email) { email = .some(try c.decodeIfPresent(String.self, forKey: .email)) }
        emailNotifications = try c.patchValue(Bool.self, .emailNotifications)
    }
}
