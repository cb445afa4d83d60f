/// One entry of the bot's knowledge, as admins edit it (API.md "FAQ"). Disabled entries
/// are neither offered as quick replies nor matched.
public struct FAQ: Codable, Equatable, Sendable {
    public var id: String
    public var slug: String
    public var question: String
    public var answer: String
    /// Extra words that should lead to this answer (besides the question's own).
    public var keywords: [String]
    public var position: Int
    public var enabled: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String = "", slug: String, question: String, answer: String, keywords: [String] = [],
                position: Int = 0, enabled: Bool = true, createdAt: Timestamp = Timestamp(milliseconds: 0),
                updatedAt: Timestamp = Timestamp(milliseconds: 0)) {
        self.id = id
        self.slug = slug
        self.question = question
        self.answer = answer
        self.keywords = keywords
        self.position = position
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, slug, question, answer, keywords, position, enabled, createdAt = "created_at", updatedAt = "updated_at"
    }

    /// A URL-safe slug from a question: lower-case ASCII letters and digits joined by single
    /// hyphens, at most 60 characters ("When will my order arrive?" → "when-will-my-order-arrive").
    public static func slug(from question: String) -> String {
        var words: [String] = []
        var current = ""
        for scalar in question.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if scalar != "'" && scalar != "’" && !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        var slug = ""
        for word in words {
            let next = slug.isEmpty ? word : slug + "-" + word
            guard next.count <= Limits.slugMaxLength else { break }
            slug = next
        }
        return slug.isEmpty ? String((words.first ?? "faq").prefix(Limits.slugMaxLength)) : slug
    }

    /// Whether `slug` is what `slug(from:)` could produce.
    public static func isSlug(_ slug: String) -> Bool {
        let parts = slug.split(separator: "-", omittingEmptySubsequences: false)
        return (1...Limits.slugMaxLength).contains(slug.count)
            && parts.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) } }
    }
}
