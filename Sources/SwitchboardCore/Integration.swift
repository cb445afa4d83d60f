/// An API key for one of the shop's systems (API.md "API keys"): its wire shape. The key
/// itself is shown once and stored only as its SHA-256; the key acts through an agents row
/// of its own (`Agent.integration`) whose id is this id and whose name is this name.
public struct ApiKey: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var role: AgentRole
    /// `sbk_` and the next 8 characters: enough to tell keys apart, useless as a key.
    public var prefix: String
    public var createdAt: Timestamp
    public var lastUsedAt: Timestamp?
    public var revokedAt: Timestamp?

    public init(id: String, name: String, role: AgentRole, prefix: String, createdAt: Timestamp, lastUsedAt: Timestamp?,
                revokedAt: Timestamp?) {
        self.id = id
        self.name = name
        self.role = role
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, prefix, createdAt = "created_at", lastUsedAt = "last_used_at", revokedAt = "revoked_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(lastUsedAt, forKey: .lastUsedAt)
        try c.encodeIfPresent(revokedAt, forKey: .revokedAt)
    }
}

/// `POST /admin/api-keys`: both members required; a role other than agent or admin is
/// 400 `invalid_role`, like `/agent/register`'s.
public struct ApiKeyInput: Decodable, Sendable {
    public var name: String
    public var role: AgentRole
    public init(name: String, role: AgentRole) {
        self.name = name
        self.role = role
    }

    enum CodingKeys: String, CodingKey { case name, role }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let name = try c.decodeIfPresent(String.self, forKey: .name) else {
            throw AppError.badRequest("name: required (1–60 characters).", code: "invalid_api_key")
        }
        let text = try c.decodeIfPresent(String.self, forKey: .role)
        guard let text, let role = AgentRole(rawValue: text) else { throw AppError.badRequest("role: agent or admin.", code: "invalid_role") }
        self.name = name
        self.role = role
    }
}

/// The answer that shows a new key, once.
public struct CreatedApiKey: Encodable, Sendable {
    public var apiKey: ApiKey
    public var key: String
    public init(apiKey: ApiKey, key: String) {
        self.apiKey = apiKey
        self.key = key
    }
    enum CodingKeys: String, CodingKey { case key }
    public func encode(to encoder: any Encoder) throws {
        try apiKey.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
    }
}

public protocol ApiKeyReader {
    /// Every key, newest first, revoked ones included.
    func apiKeys() throws -> [ApiKey]
    func apiKey(id: String) throws -> ApiKey?
    /// The integration behind a live key (not revoked, its agent row not disabled).
    func agent(apiKeyHash: [UInt8]) throws -> Agent?
}

public protocol ApiKeyWriter {
    /// The key's row; its agent row (`Agent.integration`) is inserted first with `insertAgent`.
    func insertApiKey(id: String, prefix: String, keyHash: [UInt8], createdAt: Timestamp) throws
    func revokeApiKey(id: String, at: Timestamp) throws
}
