/// Who a stream belongs to, as nginx's auth_request verified it (the notifier trusts
/// nothing else: nginx overwrites these headers on every request).
enum Identity: Equatable, Sendable {
    case customer(conversationId: String)
    case agent(agentId: String)

    static let identityHeader = "X-Switchboard-Identity"
    static let conversationHeader = "X-Switchboard-Conversation"
    static let agentHeader = "X-Switchboard-Agent"

    init?(kind: String?, conversationId: String?, agentId: String?) {
        switch kind {
        case "customer":
            guard let conversationId, !conversationId.isEmpty else { return nil }
            self = .customer(conversationId: conversationId)
        case "agent":
            guard let agentId, !agentId.isEmpty else { return nil }
            self = .agent(agentId: agentId)
        default:
            return nil
        }
    }

    var conversationId: String? {
        if case .customer(let id) = self { return id }
        return nil
    }
}
