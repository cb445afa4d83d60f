/// How the shop's desk presents itself (API.md "Settings"): names, the bot's texts and the
/// widget's look. Stored as one JSON document; a member missing from a stored document
/// (written by an older version) takes its default.
public struct Settings: Codable, Equatable, Sendable {
    public var brandName: String
    public var botName: String
    /// The bot's first message in every new conversation: the widget's one greeting.
    public var welcomeMessage: String
    /// What the bot says when no FAQ matches.
    public var fallbackMessage: String
    public var widget: WidgetSettings
    /// Where offline messages are announced by e-mail; nil: nobody.
    public var notifyEmail: String?
    public var availability: AvailabilitySettings
    /// How customers sign in (API.md "Known customers").
    public var identity: IdentitySettings = IdentitySettings()
    /// The fallback while nobody is available (`fallbackMessage` is the one while someone is).
    public var awayFallbackMessage: String = Settings.defaultAwayFallback
    /// The fallback outside the opening hours.
    public var closedFallbackMessage: String = Settings.defaultClosedFallback
    /// Words that ask for a person (lower-case, matched as whole words).
    public var humanPhrases: [String] = Settings.defaultHumanPhrases
    /// What happens to chats whose holder is gone.
    public var routing: RoutingSettings = RoutingSettings()
    /// The question after a chat a person answered (API.md "Ratings").
    public var csat: CsatSettings = CsatSettings()
    /// Files in conversations (API.md "Files and images").
    public var attachments: AttachmentSettings = AttachmentSettings()

    public static let defaultAwayFallback =
        "Sorry, I don't have an answer for that. Nobody from the team is available right now: tap \"Leave a message\" and we'll get back to you."
    public static let defaultClosedFallback =
        "Sorry, I don't have an answer for that. We're closed right now: tap \"Leave a message\" and we'll reply when we're back."
    public static let defaultHumanPhrases = ["human", "person", "agent", "someone", "representative", "real person", "talk to", "speak to"]

    public init(brandName: String, botName: String, welcomeMessage: String, fallbackMessage: String, widget: WidgetSettings,
                notifyEmail: String? = nil, availability: AvailabilitySettings = AvailabilitySettings()) {
        self.brandName = brandName
        self.botName = botName
        self.welcomeMessage = welcomeMessage
        self.fallbackMessage = fallbackMessage
        self.widget = widget
        self.notifyEmail = notifyEmail
        self.availability = availability
    }

    public static let defaults = Settings(
        brandName: "Our shop", botName: "Assistant",
        welcomeMessage: "Hi! Pick a question below or type your own — and you can ask for a person at any time.",
        fallbackMessage: "Sorry, I don't have an answer for that. Would you like to talk to a person? Tap \"Talk to a person\" and a support agent will join.",
        widget: WidgetSettings(title: "Chat with us", subtitle: "We usually reply in a few minutes",
                               greeting: "", color: "#1a56db", position: .right))

    enum CodingKeys: String, CodingKey {
        case brandName = "brand_name", botName = "bot_name", welcomeMessage = "welcome_message"
        case fallbackMessage = "fallback_message", awayFallbackMessage = "away_fallback_message"
        case closedFallbackMessage = "closed_fallback_message", humanPhrases = "human_phrases", routing, csat, attachments
        case widget, notifyEmail = "notify_email", availability, identity
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Settings.defaults
        brandName = try c.decodeIfPresent(String.self, forKey: .brandName) ?? d.brandName
        botName = try c.decodeIfPresent(String.self, forKey: .botName) ?? d.botName
        welcomeMessage = try c.decodeIfPresent(String.self, forKey: .welcomeMessage) ?? d.welcomeMessage
        fallbackMessage = try c.decodeIfPresent(String.self, forKey: .fallbackMessage) ?? d.fallbackMessage
        widget = try c.decodeIfPresent(WidgetSettings.self, forKey: .widget) ?? d.widget
        notifyEmail = try c.decodeIfPresent(String.self, forKey: .notifyEmail)
        availability = try c.decodeIfPresent(AvailabilitySettings.self, forKey: .availability) ?? d.availability
        identity = try c.decodeIfPresent(IdentitySettings.self, forKey: .identity) ?? d.identity
        awayFallbackMessage = try c.decodeIfPresent(String.self, forKey: .awayFallbackMessage) ?? d.awayFallbackMessage
        closedFallbackMessage = try c.decodeIfPresent(String.self, forKey: .closedFallbackMessage) ?? d.closedFallbackMessage
        humanPhrases = try c.decodeIfPresent([String].self, forKey: .humanPhrases) ?? d.humanPhrases
        routing = try c.decodeIfPresent(RoutingSettings.self, forKey: .routing) ?? d.routing
        csat = try c.decodeIfPresent(CsatSettings.self, forKey: .csat) ?? d.csat
        attachments = try c.decodeIfPresent(AttachmentSettings.self, forKey: .attachments) ?? d.attachments
    }

    /// The fallback for an availability.
    public func fallback(for status: Availability.Status) -> String {
        switch status {
        case .online: fallbackMessage
        case .away: awayFallbackMessage
        case .closed: closedFallbackMessage
        }
    }
}

/// What happens to chats whose holder is gone (API.md "Chats nobody holds").
public struct RoutingSettings: Codable, Equatable, Sendable {
    /// An agent whose consoles have all been closed this long has their open chats returned; 0: never.
    public var returnAfterMinutes: Int = 5
    public static let returnAfterMinutesRange = 0...1440

    public init(returnAfterMinutes: Int = 5) { self.returnAfterMinutes = returnAfterMinutes }

    enum CodingKeys: String, CodingKey { case returnAfterMinutes = "return_after_minutes" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        returnAfterMinutes = try c.decodeIfPresent(Int.self, forKey: .returnAfterMinutes) ?? 5
    }
}

/// The routing part of a settings patch.
public struct RoutingPatch: Decodable, Sendable {
    public var returnAfterMinutes: Int?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RoutingSettings.CodingKeys.self)
        returnAfterMinutes = try c.patchValue(Int.self, .returnAfterMinutes)
    }

    func applied(to routing: RoutingSettings) throws -> RoutingSettings {
        var r = routing
        if let v = returnAfterMinutes {
            guard RoutingSettings.returnAfterMinutesRange.contains(v) else {
                throw AppError.badRequest("routing.return_after_minutes: 0 (never) to 1440.", code: "invalid_settings")
            }
            r.returnAfterMinutes = v
        }
        return r
    }
}

/// Customer sign-in settings.
public struct IdentitySettings: Codable, Equatable, Sendable {
    /// `login {customer_id}` without a token (the replaced loan-officer system's way): off
    /// by default, since anyone who knows an id could read that customer's unverified chats.
    public var allowUnverifiedIds: Bool = false

    public init(allowUnverifiedIds: Bool = false) { self.allowUnverifiedIds = allowUnverifiedIds }

    enum CodingKeys: String, CodingKey { case allowUnverifiedIds = "allow_unverified_ids" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        allowUnverifiedIds = try c.decodeIfPresent(Bool.self, forKey: .allowUnverifiedIds) ?? false
    }
}

/// The identity part of a settings patch.
public struct IdentityPatch: Decodable, Sendable {
    public var allowUnverifiedIds: Bool?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: IdentitySettings.CodingKeys.self)
        allowUnverifiedIds = try c.patchValue(Bool.self, .allowUnverifiedIds)
    }

    func applied(to identity: IdentitySettings) -> IdentitySettings {
        var i = identity
        if let v = allowUnverifiedIds { i.allowUnverifiedIds = v }
        return i
    }
}

/// Which corner the launcher sits in.
public enum WidgetPosition: String, Codable, Sendable, CaseIterable {
    case left, right
}

/// The widget's look: header texts, the launcher's greeting bubble, colour and corner.
public struct WidgetSettings: Codable, Equatable, Sendable {
    public var title: String
    public var subtitle: String
    /// Shown beside the launcher on the shop's page until the shopper opens or dismisses it; empty: none.
    public var greeting: String
    /// `#rrggbb`, lower-case.
    public var color: String
    public var position: WidgetPosition
    /// The sites that may show the chat (`frame-ancestors`): origins, or `*` for any. Nil
    /// until an admin saves a list: `SWITCHBOARD_WIDGET_ORIGINS` applies (the service fills
    /// it in, so answers always carry a list).
    public var allowedOrigins: [String]? = nil

    public init(title: String, subtitle: String, greeting: String, color: String, position: WidgetPosition) {
        self.title = title
        self.subtitle = subtitle
        self.greeting = greeting
        self.color = color
        self.position = position
    }

    enum CodingKeys: String, CodingKey {
        case title, subtitle, greeting, color, position, allowedOrigins = "allowed_origins"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Settings.defaults.widget
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? d.title
        subtitle = try c.decodeIfPresent(String.self, forKey: .subtitle) ?? d.subtitle
        greeting = try c.decodeIfPresent(String.self, forKey: .greeting) ?? d.greeting
        color = try c.decodeIfPresent(String.self, forKey: .color) ?? d.color
        position = try c.decodeIfPresent(WidgetPosition.self, forKey: .position) ?? d.position
        allowedOrigins = try c.decodeIfPresent([String].self, forKey: .allowedOrigins)
    }
}

/// `PATCH /admin/settings`: any subset; `widget` merges member by member. A member given
/// as `null` is refused (400), never taken as "unchanged".
public struct SettingsPatch: Decodable, Sendable {
    public var brandName: String?
    public var botName: String?
    public var welcomeMessage: String?
    public var fallbackMessage: String?
    public var widget: WidgetPatch?
    /// `.some(nil)`: clear it (the one member `null` may be given for).
    public var notifyEmail: String??
    public var availability: AvailabilityPatch?
    public var identity: IdentityPatch?
    public var awayFallbackMessage: String?
    public var closedFallbackMessage: String?
    public var humanPhrases: [String]?
    public var routing: RoutingPatch?
    public var csat: CsatPatch?
    public var attachments: AttachmentPatch?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Settings.CodingKeys.self)
        attachments = try c.patchValue(AttachmentPatch.self, .attachments)
        identity = try c.patchValue(IdentityPatch.self, .identity)
        awayFallbackMessage = try c.patchValue(String.self, .awayFallbackMessage)
        closedFallbackMessage = try c.patchValue(String.self, .closedFallbackMessage)
        humanPhrases = try c.patchValue([String].self, .humanPhrases)
        routing = try c.patchValue(RoutingPatch.self, .routing)
        csat = try c.patchValue(CsatPatch.self, .csat)
        brandName = try c.patchValue(String.self, .brandName)
        botName = try c.patchValue(String.self, .botName)
        welcomeMessage = try c.patchValue(String.self, .welcomeMessage)
        fallbackMessage = try c.patchValue(String.self, .fallbackMessage)
        widget = try c.patchValue(WidgetPatch.self, .widget)
        if c.contains(.notifyEmail) { notifyEmail = .some(try c.decodeIfPresent(String.self, forKey: .notifyEmail)) }
        availability = try c.patchValue(AvailabilityPatch.self, .availability)
    }

    public init() {}

    /// `settings` with this patch applied and every member checked (400 naming the member).
    public func applied(to settings: Settings) throws -> Settings {
        var s = settings
        if let v = brandName { s.brandName = try SettingsRules.text(v, "brand_name", Limits.brandName) }
        if let v = botName { s.botName = try SettingsRules.text(v, "bot_name", Limits.botName) }
        if let v = welcomeMessage { s.welcomeMessage = try SettingsRules.text(v, "welcome_message", Limits.botText) }
        if let v = fallbackMessage { s.fallbackMessage = try SettingsRules.text(v, "fallback_message", Limits.botText) }
        if let widget { s.widget = try widget.applied(to: s.widget) }
        if let notifyEmail {
            s.notifyEmail = try notifyEmail.map { try Validate.email($0, field: "notify_email") }
        }
        if let availability { s.availability = try availability.applied(to: s.availability) }
        if let identity { s.identity = identity.applied(to: s.identity) }
        if let v = awayFallbackMessage { s.awayFallbackMessage = try SettingsRules.text(v, "away_fallback_message", Limits.botText) }
        if let v = closedFallbackMessage { s.closedFallbackMessage = try SettingsRules.text(v, "closed_fallback_message", Limits.botText) }
        if let v = humanPhrases { s.humanPhrases = try SettingsRules.phrases(v) }
        if let routing { s.routing = try routing.applied(to: s.routing) }
        if let csat { s.csat = try csat.applied(to: s.csat) }
        if let attachments { s.attachments = try attachments.applied(to: s.attachments) }
        return s
    }
}

/// The widget part of a settings patch.
public struct WidgetPatch: Decodable, Sendable {
    public var title: String?
    public var subtitle: String?
    public var greeting: String?
    public var color: String?
    public var position: String?
    public var allowedOrigins: [String]?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: WidgetSettings.CodingKeys.self)
        allowedOrigins = try c.patchValue([String].self, .allowedOrigins)
        title = try c.patchValue(String.self, .title)
        subtitle = try c.patchValue(String.self, .subtitle)
        greeting = try c.patchValue(String.self, .greeting)
        color = try c.patchValue(String.self, .color)
        position = try c.patchValue(String.self, .position)
    }

    func applied(to widget: WidgetSettings) throws -> WidgetSettings {
        var w = widget
        if let v = title { w.title = try SettingsRules.text(v, "widget.title", Limits.widgetTitle) }
        if let v = subtitle { w.subtitle = try SettingsRules.text(v, "widget.subtitle", Limits.widgetSubtitle) }
        if let v = greeting { w.greeting = try SettingsRules.text(v, "widget.greeting", Limits.widgetGreeting) }
        if let v = color { w.color = try SettingsRules.color(v) }
        if let v = position {
            guard let parsed = WidgetPosition(rawValue: v) else {
                throw AppError.badRequest("widget.position: left or right.", code: "invalid_settings")
            }
            w.position = parsed
        }
        if let v = allowedOrigins { w.allowedOrigins = try WidgetOrigins.parse(v, field: "widget.allowed_origins") }
        return w
    }
}

/// The checks behind settings (shared by the API and the CLI through `SettingsPatch`).
enum SettingsRules {
    /// Trimmed text of `range` characters (`Validate.text`'s rules).
    static func text(_ value: String, _ field: String, _ range: ClosedRange<Int>, code: String = "invalid_settings") throws -> String {
        try Validate.text(value, field, range, code: code)
    }

    /// Phrases that ask for a person: 0–30, each 1–40 characters, lower-cased, no repeats.
    static func phrases(_ values: [String]) throws -> [String] {
        guard values.count <= 30 else { throw AppError.badRequest("human_phrases: at most 30 phrases.", code: "invalid_settings") }
        var result: [String] = []
        for value in values {
            let phrase = try text(value, "human_phrases", 1...40).lowercased()
            if !result.contains(phrase) { result.append(phrase) }
        }
        return result
    }

    static func color(_ value: String) throws -> String {
        try Validate.color(value, "widget.color", code: "invalid_settings")
    }
}

extension KeyedDecodingContainer {
    /// A patch member: nil when absent; an error when present but `null`.
    public func patchValue<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath + [key], debugDescription: "null"))
        }
        return try decode(T.self, forKey: key)
    }
}
