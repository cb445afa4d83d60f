/// A label the team puts on conversations ("refund", "VIP"): admins keep the set, every
/// agent labels conversations. Labels are the team's words about a customer, so they
/// travel only to agents, never in anything a customer's stream or routes carry.
public struct Label: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    /// `#rrggbb`.
    public var color: String

    public init(id: String, name: String, color: String) {
        self.id = id
        self.name = name
        self.color = color
    }
}

/// A new label, or a change to one (`PATCH`: a member given as `null` is a 400).
public struct LabelInput: Decodable, Sendable {
    public var name: String?
    public var color: String?

    public init(name: String? = nil, color: String? = nil) {
        self.name = name
        self.color = color
    }

    enum CodingKeys: String, CodingKey { case name, color }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.patchValue(String.self, .name)
        color = try c.patchValue(String.self, .color)
    }
}

public protocol LabelReader {
    /// Every label, by name (any case).
    func labels() throws -> [Label]
    func label(id: String) throws -> Label?
    /// The label with this name, ignoring case.
    func label(name: String) throws -> Label?
    /// The labels of each of `conversationIds` that has any, each list by name.
    func labels(conversationIds: [String]) throws -> [String: [Label]]
}

public protocol LabelWriter {
    func insertLabel(_ label: Label, at: Timestamp) throws
    func updateLabel(_ label: Label, at: Timestamp) throws
    /// Deletes the label and takes it off every conversation.
    func deleteLabel(id: String) throws
    /// Replaces a conversation's labels.
    func setLabels(conversationId: String, labelIds: [String]) throws
}
