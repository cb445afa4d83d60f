/// A customer's answer to the shop's question after a chat a person answered (API.md
/// "Ratings"). It belongs to one closing of the conversation (`closedAt`): a conversation
/// closed again after a reopening gets a new chance.
public struct Rating: Codable, Equatable, Sendable {
    public var score: Int
    /// "" when the customer wrote none.
    public var comment: String
    public var createdAt: Timestamp

    public init(score: Int, comment: String, createdAt: Timestamp) {
        self.score = score
        self.comment = comment
        self.createdAt = createdAt
    }

    public static let scores = 1...5
    public static let commentCharacters = 0...1000

    enum CodingKeys: String, CodingKey { case score, comment, createdAt = "created_at" }

    /// A score and comment as a customer sent them, checked (400 `invalid_rating`).
    public static func checked(score: Int, comment: String?, at now: Timestamp) throws -> Rating {
        guard scores.contains(score) else {
            throw AppError.badRequest("score: a whole number from 1 to 5.", code: "invalid_rating")
        }
        let text = try Validate.text(comment ?? "", "comment", commentCharacters, code: "invalid_rating")
        return Rating(score: score, comment: text, createdAt: now)
    }
}

/// Whether the widget asks for a rating after a chat, and with which question.
public struct CsatSettings: Codable, Equatable, Sendable {
    public var enabled: Bool = true
    public var question: String = CsatSettings.defaultQuestion

    public static let defaultQuestion = "How did we do?"
    public static let questionCharacters = 1...200

    public init(enabled: Bool = true, question: String = CsatSettings.defaultQuestion) {
        self.enabled = enabled
        self.question = question
    }

    enum CodingKeys: String, CodingKey { case enabled, question }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        question = try c.decodeIfPresent(String.self, forKey: .question) ?? Self.defaultQuestion
    }
}

/// The csat part of a settings patch (merges member by member).
public struct CsatPatch: Decodable, Sendable {
    public var enabled: Bool?
    public var question: String?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CsatSettings.CodingKeys.self)
        enabled = try c.patchValue(Bool.self, .enabled)
        question = try c.patchValue(String.self, .question)
    }

    func applied(to csat: CsatSettings) throws -> CsatSettings {
        var s = csat
        if let enabled { s.enabled = enabled }
        if let question { s.question = try SettingsRules.text(question, "csat.question", CsatSettings.questionCharacters) }
        return s
    }
}
