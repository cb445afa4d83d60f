import Testing
@testable import SwitchboardCore

/// Every transition of the conversation state machine, allowed and refused.
struct ConversationLifecycleTests {
    let alice = AgentActor(id: "alice", role: .agent)
    let bob = AgentActor(id: "bob", role: .agent)
    let admin = AgentActor(id: "root", role: .admin)

    let automated = ConversationState(status: .automated)
    let queued = ConversationState(status: .agent)
    var heldByAlice: ConversationState { ConversationState(status: .agent, assignedAgentId: "alice") }
    var closed: ConversationState { ConversationState(status: .closed, assignedAgentId: "alice") }

    func decide(_ s: ConversationState, _ c: ConversationCommand) -> ConversationDecision? {
        try? ConversationLifecycle.decide(s, c).get()
    }

    func refusal(_ s: ConversationState, _ c: ConversationCommand) -> AppError? {
        if case .failure(let e) = ConversationLifecycle.decide(s, c) { return e }
        return nil
    }

    @Test func customerMessageWhileAutomatedGetsABotAnswer() {
        let d = decide(automated, .customerMessage)
        #expect(d?.botAnswers == true)
        #expect(d?.effect == ConversationDecision.Effect.none)
        #expect(d?.next == automated)
    }

    @Test func botNeverSpeaksOnceAHumanIsWantedOrHasTheChat() {
        #expect(decide(queued, .customerMessage)?.botAnswers == false)
        #expect(decide(heldByAlice, .customerMessage)?.botAnswers == false)
    }

    @Test func escalationQueuesOnceAndRepeatsAreNoOps() {
        #expect(decide(automated, .escalate)?.effect == .queued)
        #expect(decide(automated, .escalate)?.next == queued)
        #expect(decide(queued, .escalate)?.effect == ConversationDecision.Effect.none)
        #expect(decide(heldByAlice, .escalate)?.effect == ConversationDecision.Effect.none)
        #expect(decide(heldByAlice, .escalate)?.next == heldByAlice)
    }

    @Test func claimTakesQueuedOrBotChatsAndRefusesHeldOnes() {
        #expect(decide(queued, .claim(alice))?.effect == .assigned(agentId: "alice"))
        #expect(decide(automated, .claim(alice))?.next == heldByAlice)
        #expect(decide(heldByAlice, .claim(alice))?.effect == ConversationDecision.Effect.none)
        #expect(refusal(heldByAlice, .claim(bob))?.status == 409)
        #expect(refusal(heldByAlice, .claim(admin))?.code == "already_claimed")
    }

    @Test func routingOnlyTakesQueuedChats() {
        #expect(decide(queued, .route(agentId: "bob"))?.effect == .assigned(agentId: "bob"))
        #expect(refusal(automated, .route(agentId: "bob"))?.code == "not_queued")
        #expect(refusal(heldByAlice, .route(agentId: "bob"))?.status == 409)
    }

    @Test func releaseReturnsToTheQueueOnlyForTheHolderOrAnAdmin() {
        #expect(decide(heldByAlice, .release(alice))?.next == queued)
        #expect(decide(heldByAlice, .release(admin))?.effect == .released)
        #expect(refusal(heldByAlice, .release(bob))?.status == 403)
        #expect(refusal(queued, .release(alice))?.code == "not_assigned")
        #expect(refusal(automated, .release(alice))?.status == 409)
    }

    @Test func firstAgentReplyAssignsAndOthersAreRefused() {
        #expect(decide(queued, .agentMessage(bob))?.effect == .assigned(agentId: "bob"))
        #expect(decide(automated, .agentMessage(bob))?.next == ConversationState(status: .agent, assignedAgentId: "bob"))
        #expect(decide(heldByAlice, .agentMessage(alice))?.effect == ConversationDecision.Effect.none)
        #expect(refusal(heldByAlice, .agentMessage(bob))?.status == 403)
        #expect(refusal(heldByAlice, .agentMessage(admin))?.status == 403)
    }

    @Test func closeNeedsAnEscalatedConversation() {
        #expect(decide(heldByAlice, .close(alice))?.effect == .closed)
        #expect(decide(heldByAlice, .close(alice))?.next.status == .closed)
        #expect(decide(queued, .close(bob))?.effect == .closed)
        #expect(decide(heldByAlice, .close(admin))?.effect == .closed)
        #expect(refusal(heldByAlice, .close(bob))?.status == 403)
        #expect(refusal(automated, .close(alice))?.code == "invalid_transition")
        #expect(refusal(automated, .close(alice))?.status == 409)
    }

    @Test(arguments: [
        ConversationCommand.customerMessage, .escalate, .claim(AgentActor(id: "alice", role: .agent)),
        .release(AgentActor(id: "alice", role: .agent)), .agentMessage(AgentActor(id: "alice", role: .agent)),
        .close(AgentActor(id: "alice", role: .agent)), .route(agentId: "alice"), .close(AgentActor(id: "root", role: .admin)),
    ])
    func closedIsReadOnly(_ command: ConversationCommand) {
        #expect(refusal(closed, command) == .conversationClosed)
    }
}
