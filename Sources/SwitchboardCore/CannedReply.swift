/// A saved answer an agent inserts with `/shortcut`: the team's (admins keep them) or an
/// agent's own. Its content may hold variables (`CannedTemplate`), filled per conversation.
public struct CannedReply: Codable, Equatable, Sendable {
    public enum Scope: String, Codable, Sendable {
        case team
        case personal
    }

    public var id: String
    public var shortcut: String
    public var title: String
    public var content: String
    public var scope: Scope
    /// The agent whose personal reply it is; nil for the team's.
    public var ownerAgentId: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, shortcut: String, title: String, content: String, scope: Scope, ownerAgentId: String?,
                createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.shortcut = shortcut
        self.title = title
        self.content = content
        self.scope = scope
        self.ownerAgentId = ownerAgentId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, shortcut, title, content, scope, ownerAgentId = "owner_agent_id", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// `{{contact.first_name | there}}`: the variables a canned reply may use, checked when it
/// is saved and filled when it is rendered. Text that is not a well-formed `{{…}}` stays
/// as it is; a well-formed one must name a known variable.
public enum CannedTemplate {
    public static let variables = ["contact.name", "contact.first_name", "contact.email", "agent.name", "brand.name"]

    /// One piece of a template: literal text, or a variable with its fallback.
    public enum Piece: Equatable, Sendable {
        case text(String)
        case variable(name: String, fallback: String?)
    }

    /// The pieces of `content`, or the first unknown variable's name.
    public static func parse(_ content: String) -> Result<[Piece], UnknownVariable> {
        var pieces: [Piece] = []
        var text = ""
        var rest = content[...]
        while let open = rest.firstRange(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else { break }
            // Another "{{" before the "}}" starts the real one: what came before is text.
            if let again = after.firstRange(of: "{{"), again.lowerBound < close.lowerBound {
                text += rest[..<again.lowerBound]
                rest = rest[again.lowerBound...]
                continue
            }
            text += rest[..<open.lowerBound]
            let parts = after[..<close.lowerBound].split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).trimmingSpaces
            guard variables.contains(name) else { return .failure(UnknownVariable(name: name)) }
            if !text.isEmpty { pieces.append(.text(text)) }
            text = ""
            pieces.append(.variable(name: name, fallback: parts.count > 1 ? String(parts[1]).trimmingSpaces : nil))
            rest = rest[close.upperBound...]
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(text)) }
        return .success(pieces)
    }

    public struct UnknownVariable: Error, Equatable, Sendable {
        public let name: String
        public init(name: String) { self.name = name }
    }

    /// The content with each variable's value, its fallback when the value is missing or
    /// empty, else nothing: never a `{{…}}` left in what the customer would read.
    public static func render(_ content: String, values: [String: String]) -> String {
        guard case .success(let pieces) = parse(content) else { return content }
        return pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .variable(let name, let fallback):
                values[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback ?? ""
            }
        }.joined()
    }
}

public protocol CannedReplyReader {
    /// The team's replies and `agentId`'s own, by shortcut.
    func cannedReplies(visibleTo agentId: String) throws -> [CannedReply]
    func cannedReply(id: String) throws -> CannedReply?
    /// The reply with this shortcut in the same scope and owner.
    func cannedReply(shortcut: String, scope: CannedReply.Scope, ownerAgentId: String?) throws -> CannedReply?
    /// How many replies a scope and owner has.
    func cannedReplyCount(scope: CannedReply.Scope, ownerAgentId: String?) throws -> Int
}

public protocol CannedReplyWriter {
    func insertCannedReply(_ reply: CannedReply) throws
    func updateCannedReply(_ reply: CannedReply) throws
    func deleteCannedReply(id: String) throws
}

/// A new canned reply (`POST /agent/canned-replies`); `scope` defaults to `personal`.
public struct CannedReplyInput: Decodable, Sendable {
    public var shortcut: String
    public var title: String
    public var content: String
    public var scope: CannedReply.Scope?

    public init(shortcut: String, title: String, content: String, scope: CannedReply.Scope? = nil) {
        self.shortcut = shortcut
        self.title = title
        self.content = content
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey { case shortcut, title, content, scope }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        shortcut = try c.decode(String.self, forKey: .shortcut)
        title = try c.decode(String.self, forKey: .title)
        content = try c.decode(String.self, forKey: .content)
        if let text = try c.patchValue(String.self, .scope) {
            guard let parsed = CannedReply.Scope(rawValue: text) else {
                throw AppError.badRequest("scope: team or personal.", code: "invalid_scope")
            }
            scope = parsed
        }
    }
}

/// A change to a canned reply (`PATCH`); a member given as `null` is a 400.
public struct CannedReplyPatch: Decodable, Sendable {
    public var shortcut: String?
    public var title: String?
    public var content: String?

    public init(shortcut: String? = nil, title: String? = nil, content: String? = nil) {
        self.shortcut = shortcut
        self.title = title
        self.content = content
    }

    enum CodingKeys: String, CodingKey { case shortcut, title, content }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        shortcut = try c.patchValue(String.self, .shortcut)
        title = try c.patchValue(String.self, .title)
        content = try c.patchValue(String.self, .content)
    }
}
