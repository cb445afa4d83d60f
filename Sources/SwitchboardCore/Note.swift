/// A private note: what the team writes about a conversation and the customer never sees.
/// Notes live in their own table and travel in their own events, to agents only, so no
/// route, stream, e-mail or list that carries messages can carry one by mistake.
public struct Note: Codable, Equatable, Sendable {
    /// Who wrote it, as the console shows them.
    public struct Author: Codable, Equatable, Sendable {
        public var id: String
        public var displayName: String

        public init(id: String, displayName: String) {
            self.id = id
            self.displayName = displayName
        }

        enum CodingKeys: String, CodingKey { case id, displayName = "display_name" }
    }

    public var id: String
    public var conversationId: String
    public var author: Author
    public var content: String
    /// Agents named with `@username` in the content, in order of first mention.
    public var mentions: [String]
    public var createdAt: Timestamp

    public init(id: String, conversationId: String, author: Author, content: String, mentions: [String], createdAt: Timestamp) {
        self.id = id
        self.conversationId = conversationId
        self.author = author
        self.content = content
        self.mentions = mentions
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, conversationId = "conversation_id", author, content, mentions, createdAt = "created_at"
    }

    /// The usernames written as `@name` (letters, digits and `._-`, as usernames are), lower-cased, each once.
    public static func mentionedUsernames(in content: String) -> [String] {
        let scalars = Array(content.unicodeScalars)
        var names: [String] = []
        for (index, scalar) in scalars.enumerated() where scalar == "@" {
            // "sam@example.com" is an address, not a mention.
            if index > 0, usernameScalar(scalars[index - 1]) { continue }
            var name = scalars[(index + 1)...].prefix(while: usernameScalar)
            // "thanks @sam." ends a sentence; the dot is not part of the name.
            while let last = name.last, last == "." || last == "_" || last == "-" { name = name.dropLast() }
            let text = String(String.UnicodeScalarView(name)).lowercased()
            if !text.isEmpty, !names.contains(text) { names.append(text) }
        }
        return names
    }

    private static func usernameScalar(_ s: Unicode.Scalar) -> Bool {
        s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "_" || s == "-")
    }
}

/// The notes of conversations.
public protocol NoteReader {
    /// Oldest first.
    func notes(conversationId: String) throws -> [Note]
}

public protocol NoteWriter {
    func insertNote(_ note: Note) throws
}
