/// When the shop answers (API.md "Settings.availability"): an IANA time zone, weekly
/// opening hours (several ranges a day; a range may run past midnight, e.g. 22:00–02:00
/// belongs to the day it starts), closed dates, and what the widget does outside them.
/// No hours at all means always open.
public struct AvailabilitySettings: Codable, Equatable, Sendable {
    public var timezone: String
    /// `"mon"` … `"sun"` → `[["09:00", "17:00"], …]`.
    public var hours: [String: [[String]]]
    /// `YYYY-MM-DD`, in the shop's time zone.
    public var closedDates: [String]
    public var awayMessage: String
    public var hideWhenClosed: Bool
    public var prechat: PrechatMode

    public static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(timezone: String = "UTC", hours: [String: [[String]]] = [:], closedDates: [String] = [],
                awayMessage: String = "We're away right now. Leave a message and we'll get back to you as soon as we can.",
                hideWhenClosed: Bool = false, prechat: PrechatMode = .off) {
        self.timezone = timezone
        self.hours = hours
        self.closedDates = closedDates
        self.awayMessage = awayMessage
        self.hideWhenClosed = hideWhenClosed
        self.prechat = prechat
    }

    enum CodingKeys: String, CodingKey {
        case timezone, hours, closedDates = "closed_dates", awayMessage = "away_message"
        case hideWhenClosed = "hide_when_closed", prechat
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AvailabilitySettings()
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone) ?? d.timezone
        hours = try c.decodeIfPresent([String: [[String]]].self, forKey: .hours) ?? d.hours
        closedDates = try c.decodeIfPresent([String].self, forKey: .closedDates) ?? d.closedDates
        awayMessage = try c.decodeIfPresent(String.self, forKey: .awayMessage) ?? d.awayMessage
        hideWhenClosed = try c.decodeIfPresent(Bool.self, forKey: .hideWhenClosed) ?? d.hideWhenClosed
        prechat = try c.decodeIfPresent(PrechatMode.self, forKey: .prechat) ?? d.prechat
    }

    /// Whether any opening hours are set (none: always open).
    public var hasHours: Bool { hours.values.contains { !$0.isEmpty } }

    /// Whether a calendar can close the shop at all (hours or closed dates); without one the
    /// shop is open around the clock and no calendar needs building.
    public var hasSchedule: Bool { hasHours || !closedDates.isEmpty }

    /// The hours as minutes of the day: weekday (0 = Sunday) → `[(start, end)]`, checked.
    public func ranges() throws -> [Int: [(start: Int, end: Int)]] {
        var result: [Int: [(Int, Int)]] = [:]
        for (day, list) in hours {
            guard let weekday = Self.weekdays.firstIndex(of: day) else {
                throw AppError.badRequest("availability.hours: days are mon, tue, wed, thu, fri, sat and sun.", code: "invalid_settings")
            }
            result[weekday] = try list.map { pair in
                guard pair.count == 2, let start = Self.minutes(pair[0]), let end = Self.minutes(pair[1]), start != end, start < 24 * 60 else {
                    throw AppError.badRequest("availability.hours.\(day): ranges like [\"09:00\", \"17:00\"] (end 24:00 at the latest).",
                                              code: "invalid_settings")
                }
                return (start, end)
            }
        }
        return result
    }

    /// `HH:MM` (00:00–24:00) as minutes.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]),
              (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 24 * 60 else { return nil }
        return h * 60 + m
    }

    /// Checks every member but the time zone's name (which needs the zone database).
    public func checked() throws -> AvailabilitySettings {
        _ = try ranges()
        for date in closedDates where Timestamp.civilDate(date) == nil {
            throw AppError.badRequest("availability.closed_dates: dates like 2026-12-25.", code: "invalid_settings")
        }
        var copy = self
        copy.awayMessage = try Validate.text(awayMessage, "availability.away_message", Limits.botText, code: "invalid_settings")
        return copy
    }
}

/// What the widget asks before the first message.
public enum PrechatMode: String, Codable, Sendable {
    case off
    /// Name and e-mail offered, not required.
    case ask
    case requireEmail = "require_email"
}

/// Whether anyone is there (API.md "widget-config.availability").
public struct Availability: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Within hours and an agent online with room.
        case online
        /// Within hours, but nobody online with room.
        case away
        /// Outside the opening hours (or a closed date).
        case closed
    }

    public var status: Status
    public var agentsOnline: Int
    /// The next opening, when closed now; null when open or without hours.
    public var nextOpenAt: Timestamp?
    /// Median seconds from asking for a person to an agent's first reply, last 7 days.
    public var typicalReplySeconds: Int?
    /// What the widget needs from the settings to act on the status.
    public var awayMessage: String
    public var hideWhenClosed: Bool
    public var prechat: PrechatMode
    /// The server sends e-mail (SMTP configured): the widget may offer answers and transcripts by e-mail.
    public var emailEnabled: Bool

    public init(status: Status, agentsOnline: Int, nextOpenAt: Timestamp?, typicalReplySeconds: Int?,
                settings: AvailabilitySettings = AvailabilitySettings(), emailEnabled: Bool = false) {
        self.status = status
        self.agentsOnline = agentsOnline
        self.nextOpenAt = nextOpenAt
        self.typicalReplySeconds = typicalReplySeconds
        awayMessage = settings.awayMessage
        hideWhenClosed = settings.hideWhenClosed
        prechat = settings.prechat
        self.emailEnabled = emailEnabled
    }

    enum CodingKeys: String, CodingKey {
        case status, agentsOnline = "agents_online", nextOpenAt = "next_open_at", typicalReplySeconds = "typical_reply_seconds"
        case awayMessage = "away_message", hideWhenClosed = "hide_when_closed", prechat, emailEnabled = "email_enabled"
    }
}

/// The availability part of a settings patch: members merge; `null` is refused.
public struct AvailabilityPatch: Decodable, Sendable {
    public var timezone: String?
    public var hours: [String: [[String]]]?
    public var closedDates: [String]?
    public var awayMessage: String?
    public var hideWhenClosed: Bool?
    public var prechat: PrechatMode?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AvailabilitySettings.CodingKeys.self)
        timezone = try c.patchValue(String.self, .timezone)
        hours = try c.patchValue([String: [[String]]].self, .hours)
        closedDates = try c.patchValue([String].self, .closedDates)
        awayMessage = try c.patchValue(String.self, .awayMessage)
        hideWhenClosed = try c.patchValue(Bool.self, .hideWhenClosed)
        if let text = try c.patchValue(String.self, .prechat) {
            guard let mode = PrechatMode(rawValue: text) else {
                throw AppError.badRequest("availability.prechat: off, ask or require_email.", code: "invalid_settings")
            }
            prechat = mode
        }
    }

    /// `availability` with the patch applied and checked (the time zone's name is checked
    /// by the service, which has the zone database).
    func applied(to availability: AvailabilitySettings) throws -> AvailabilitySettings {
        var a = availability
        if let timezone { a.timezone = timezone }
        if let hours { a.hours = hours }
        if let closedDates { a.closedDates = closedDates }
        if let awayMessage { a.awayMessage = awayMessage }
        if let hideWhenClosed { a.hideWhenClosed = hideWhenClosed }
        if let prechat { a.prechat = prechat }
        return try a.checked()
    }
}
