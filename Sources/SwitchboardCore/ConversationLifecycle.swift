/// The conversation state machine. It is a pure value: given the current state and a
/// command it returns the decision (the next state and what happened), or the refusal
/// as an `AppError`. The store carries the decision out inside one transaction.
public struct ConversationState: Equatable, Sendable {
    public var status: ConversationStatus
    public var assignedAgentId: String?

    public init(status: ConversationStatus, assignedAgentId: String? = nil) {
        self.status = status
        self.assignedAgentId = assignedAgentId
    }

    /// Waiting for a human: escalated and nobody holds it.
    public var isQueued: Bool { status == .agent && assignedAgentId == nil }
}

/// Who acts on a conversation from the agent side.
public struct AgentActor: Equatable, Sendable {
    public let id: String
    public let role: AgentRole
    /// An API key acting as the shop: its messages never change who holds a chat.
    public let isIntegration: Bool
    public init(id: String, role: AgentRole, isIntegration: Bool = false) {
        self.id = id
        self.role = role
        self.isIntegration = isIntegration
    }
    public var isAdmin: Bool { role == .admin }
}

/// Something someone asks of a conversation.
public enum ConversationCommand: Equatable, Sendable {
    case customerMessage
    case escalate
    case claim(AgentActor)
    case release(AgentActor)
    case agentMessage(AgentActor)
    case close(AgentActor)
    /// Routing gives a queued chat to an agent.
    case route(agentId: String)
    /// A typing indicator: the customer's in any open chat, an agent's in one nobody else holds.
    case customerTyping
    case agentTyping(AgentActor)
}

/// What a permitted command does.
public struct ConversationDecision: Equatable, Sendable {
    public enum Effect: Equatable, Sendable {
        /// Nothing changes (an idempotent repeat, or a message in an unchanged state).
        case none
        /// The chat now wants a human and nobody has it: announce it to the queue.
        case queued
        /// An agent now holds the chat (claimed, routed or by replying).
        case assigned(agentId: String)
        /// Back in the queue.
        case released
        case closed
    }

    public let next: ConversationState
    public let effect: Effect
    /// Whether the bot answers this command (customer messages while automated).
    public let botAnswers: Bool

    init(_ next: ConversationState, _ effect: Effect, botAnswers: Bool = false) {
        self.next = next
        self.effect = effect
        self.botAnswers = botAnswers
    }
}

public enum ConversationLifecycle {
    public static func decide(_ state: ConversationState, _ command: ConversationCommand) -> Result<ConversationDecision, AppError> {
        if state.status == .closed { return .failure(.conversationClosed) }
        switch command {
        case .customerMessage:
            return .success(ConversationDecision(state, .none, botAnswers: state.status == .automated))

        case .customerTyping:
            return .success(ConversationDecision(state, .none))

        case .agentTyping(let actor):
            if let holder = state.assignedAgentId, holder != actor.id { return .failure(.assignedToOther) }
            return .success(ConversationDecision(state, .none))

        case .escalate:
            if state.status == .agent { return .success(ConversationDecision(state, .none)) }
            return .success(ConversationDecision(ConversationState(status: .agent), .queued))

        case .claim(let actor):
            if actor.isIntegration { return .failure(.personRequired) }
            if let holder = state.assignedAgentId {
                if holder == actor.id { return .success(ConversationDecision(state, .none)) }
                return .failure(.conflict("Another agent has already claimed this conversation.", code: "already_claimed"))
            }
            return .success(ConversationDecision(ConversationState(status: .agent, assignedAgentId: actor.id), .assigned(agentId: actor.id)))

        case .route(let agentId):
            guard state.isQueued else {
                return .failure(.conflict("This conversation is not waiting in the queue.", code: "not_queued"))
            }
            return .success(ConversationDecision(ConversationState(status: .agent, assignedAgentId: agentId), .assigned(agentId: agentId)))

        case .release(let actor):
            guard let holder = state.assignedAgentId else {
                return .failure(.conflict("Nobody holds this conversation.", code: "not_assigned"))
            }
            if holder != actor.id && !actor.isAdmin { return .failure(.assignedToOther) }
            return .success(ConversationDecision(ConversationState(status: .agent), .released))

        case .agentMessage(let actor):
            // The shop's systems add to a conversation without taking it from the bot, the
            // queue or the agent who holds it (API.md "API keys").
            if actor.isIntegration { return .success(ConversationDecision(state, .none)) }
            if let holder = state.assignedAgentId {
                if holder == actor.id { return .success(ConversationDecision(state, .none)) }
                return .failure(.assignedToOther)
            }
            return .success(ConversationDecision(ConversationState(status: .agent, assignedAgentId: actor.id), .assigned(agentId: actor.id)))

        case .close(let actor):
            if state.status == .automated {
                return .failure(.conflict("The bot is still handling this conversation; only escalated conversations can be closed.", code: "invalid_transition"))
            }
            if let holder = state.assignedAgentId, holder != actor.id, !actor.isAdmin { return .failure(.assignedToOther) }
            return .success(ConversationDecision(ConversationState(status: .closed, assignedAgentId: state.assignedAgentId), .closed))
        }
    }
}
