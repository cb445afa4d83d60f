/// The limits a page enforces before it sends anything, as the server enforces them
/// (`Limits`): the widget reads them from `widget-config`, the console from `GET me`, so no
/// number is written twice in the browser.
public struct CustomerLimits: Codable, Equatable, Sendable {
    public var messageMaxChars = Limits.messageMaxCharacters
    public var displayNameMaxChars = Limits.displayNameMaxLength
    public var emailMaxChars = Limits.emailMaxLength
    public var ratingCommentMaxChars = Rating.commentCharacters.upperBound

    public init() {}

    enum CodingKeys: String, CodingKey {
        case messageMaxChars = "message_max_chars", displayNameMaxChars = "display_name_max_chars"
        case emailMaxChars = "email_max_chars", ratingCommentMaxChars = "rating_comment_max_chars"
    }
}

/// The console's share of `Limits` (see `CustomerLimits`).
public struct ConsoleLimits: Codable, Equatable, Sendable {
    public var messageMaxChars = Limits.messageMaxCharacters
    public var displayNameMaxChars = Limits.displayNameMaxLength
    public var listMaxLimit = Limits.listMaxLimit
    public var maxActiveChatsMin = Limits.maxActiveChatsRange.lowerBound
    public var maxActiveChatsMax = Limits.maxActiveChatsRange.upperBound
    public var passwordMinChars = Limits.passwordMinLength
    public var passwordMaxBytes = Limits.passwordMaxBytes
    public var usernameMinChars = Limits.usernameLength.lowerBound
    public var usernameMaxChars = Limits.usernameLength.upperBound
    public var faqQuestionMaxChars = Limits.faqQuestionMaxCharacters
    public var faqAnswerMaxChars = Limits.faqAnswerMaxCharacters
    public var faqKeywordsMax = Limits.faqKeywordsMax
    public var faqKeywordMaxChars = Limits.faqKeywordMaxCharacters
    public var faqsMax = Limits.faqsMax
    public var faqSlugMaxChars = Limits.slugMaxLength
    public var emailMaxChars = Limits.emailMaxLength
    public var brandNameMaxChars = Limits.brandName.upperBound
    public var botNameMaxChars = Limits.botName.upperBound
    /// The welcome, fallback and away messages.
    public var botTextMaxChars = Limits.botText.upperBound
    public var widgetTitleMaxChars = Limits.widgetTitle.upperBound
    public var widgetSubtitleMaxChars = Limits.widgetSubtitle.upperBound
    public var widgetGreetingMaxChars = Limits.widgetGreeting.upperBound

    public init() {}

    enum CodingKeys: String, CodingKey {
        case messageMaxChars = "message_max_chars", displayNameMaxChars = "display_name_max_chars"
        case listMaxLimit = "list_max_limit", maxActiveChatsMin = "max_active_chats_min"
        case maxActiveChatsMax = "max_active_chats_max", passwordMinChars = "password_min_chars"
        case passwordMaxBytes = "password_max_bytes", usernameMinChars = "username_min_chars"
        case usernameMaxChars = "username_max_chars", faqQuestionMaxChars = "faq_question_max_chars"
        case faqAnswerMaxChars = "faq_answer_max_chars", faqKeywordsMax = "faq_keywords_max"
        case faqKeywordMaxChars = "faq_keyword_max_chars", faqsMax = "faqs_max", faqSlugMaxChars = "faq_slug_max_chars"
        case emailMaxChars = "email_max_chars", brandNameMaxChars = "brand_name_max_chars", botNameMaxChars = "bot_name_max_chars"
        case botTextMaxChars = "bot_text_max_chars", widgetTitleMaxChars = "widget_title_max_chars"
        case widgetSubtitleMaxChars = "widget_subtitle_max_chars", widgetGreetingMaxChars = "widget_greeting_max_chars"
    }
}

extension AgentAnswer {
    /// `GET /agent/me`: the Agent's members, then `limits`.
    public struct Me: Codable, Equatable, Sendable {
        public var agent: Agent
        public var limits = ConsoleLimits()
        /// How escalated chats find an agent on this desk (the console's empty states say so).
        public var routing: String = RoutingMode.auto.rawValue
        /// The desk sends e-mail (the console offers invitations only then).
        public var emailEnabled = false
        /// Whether agents may send files, how large, of which types.
        public var attachments = AttachmentLimits(AttachmentSettings(), side: .agent)

        public init(_ agent: Agent, routing: RoutingMode = .auto, emailEnabled: Bool = false,
                    attachments: AttachmentSettings = AttachmentSettings()) {
            self.agent = agent
            self.routing = routing.rawValue
            self.emailEnabled = emailEnabled
            self.attachments = AttachmentLimits(attachments, side: .agent)
        }

        enum CodingKeys: String, CodingKey { case limits, routing, emailEnabled = "email_enabled", attachments }

        public init(from decoder: any Decoder) throws {
            agent = try Agent(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            limits = try c.decode(ConsoleLimits.self, forKey: .limits)
            routing = try c.decode(String.self, forKey: .routing)
            emailEnabled = try c.decode(Bool.self, forKey: .emailEnabled)
            attachments = try c.decodeIfPresent(AttachmentLimits.self, forKey: .attachments) ?? attachments
        }

        public func encode(to encoder: any Encoder) throws {
            try agent.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(limits, forKey: .limits)
            try container.encode(routing, forKey: .routing)
            try container.encode(emailEnabled, forKey: .emailEnabled)
            try container.encode(attachments, forKey: .attachments)
        }
    }
}
