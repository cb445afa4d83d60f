import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Invitations and forgotten passwords: single-use links, e-mailed in the same transaction
/// as their cause, hashed in the store, gone from the stored e-mail once sent; the same
/// answer whether or not an address belongs to anyone; the demo accounts' mark.
struct PasswordLinkRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")

    static var mail: ChatPolicy {
        var policy = ChatPolicy()
        policy.mailEnabled = true
        policy.publicURL = "https://desk.example"
        return policy
    }

    /// The e-mails the sender would take now, and the token in each one's link.
    func outbox(_ desk: Desk) throws -> [(email: OutgoingEmail, token: String)] {
        try desk.service.claimEmails(limit: 50).map { email in
            let marker = try #require(email.body.range(of: "https://desk.example/agent/#set-password="))
            let token = String(email.body[marker.upperBound...].prefix { !$0.isWhitespace })
            return (email, token)
        }
    }


    @Test(arguments: Engine.allCases) func anInvitedAgentChoosesTheirPasswordOnceAndIsSignedIn(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        let sam = try desk.service.createAgent(username: "sam", password: nil, displayName: "Sam Rivera",
                                               email: "sam@example.com", invite: true, by: Self.admin)
        // No password signs an invited agent in before they choose one.
        #expect(try desk.service.login(username: "sam", password: "unusable$invited") == nil)
        #expect(try desk.service.team().first { $0.agent.id == sam.id }?.invitationExpiresAt != nil)

        let mails = try outbox(desk)
        #expect(mails.count == 1)
        let (email, token) = try #require(mails.first)
        #expect(email.kind == .invitation && email.recipient == "sam@example.com" && email.conversationId == nil)
        #expect(email.body.contains("Your username: sam"))
        #expect(token.hasPrefix("sbp_") && token.count > 40)

        let link = try desk.service.passwordLink(token: token)
        #expect(link.purpose == "invite" && link.username == "sam" && link.displayName == "Sam Rivera")
        let hours = Double(link.expiresAt.milliseconds - email.createdAt.milliseconds) / 3_600_000
        #expect(abs(hours - 72) < 0.01)

        let session = try desk.service.setPassword(token: token, password: "sam's own password")
        #expect(session.agent.id == sam.id)
        #expect(try desk.service.authenticate(token: session.token)?.id == sam.id)
        #expect(try desk.service.login(username: "sam", password: "sam's own password") != nil)
        refused("invalid_token", reason: "used") { _ = try desk.service.passwordLink(token: token) }
        refused("invalid_token", reason: "used") { _ = try desk.service.setPassword(token: token, password: "someone else's password") }
        #expect(try desk.service.team().first { $0.agent.id == sam.id }?.invitationExpiresAt == nil)

        let actions = try desk.service.audit(limit: 10, beforeId: nil).map(\.action)
        #expect(actions.contains("agent.invited") && actions.contains("agent.password_set"))

        // What the store keeps once it is sent: no working link (the stack test reads the file).
        #expect(email.bodyWithoutLink.contains("/agent/#set-password=(removed once sent)\n"))
        #expect(!email.bodyWithoutLink.contains(token))
    }

    @Test(arguments: Engine.allCases) func aNewInvitationEndsTheOldOneAndDisablingEndsBoth(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        var sam = try desk.agent("sam")
        refused("email_missing") { _ = try desk.service.invite(agentId: sam.id, by: Self.admin) }
        var patch = ProfilePatch()
        patch.email = .some("sam@example.com")
        sam = try desk.service.updateProfile(sam, patch)
        _ = try desk.service.invite(agentId: sam.id, by: Self.admin)
        let first = try #require(try outbox(desk).first).token
        let answer = try desk.service.invite(agentId: sam.id, by: Self.admin)
        #expect(answer.email == "sam@example.com")
        let second = try #require(try outbox(desk).first).token
        refused("invalid_token", reason: "used") { _ = try desk.service.passwordLink(token: first) }
        #expect(try desk.service.passwordLink(token: second).purpose == "invite")

        refused("invalid_token", reason: "expired") { _ = try desk.service.passwordLink(token: second, now: answer.expiresAt) }
        refused("invalid_token", reason: "unknown") { _ = try desk.service.passwordLink(token: "sbp_never-issued") }

        _ = try desk.service.updateAgent(id: sam.id, try WireJSON.decode(AgentPatch.self, from: #"{"disabled": true}"#), by: Self.admin)
        refused("invalid_token", reason: "unknown") { _ = try desk.service.passwordLink(token: second) }
        refused("agent_disabled") { _ = try desk.service.invite(agentId: sam.id, by: Self.admin) }
    }

    @Test(arguments: Engine.allCases) func aResetAnswersTheSameForEveryAddressAndMailsOnlyAgents(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        var alex = try desk.agent("alex")
        var patch = ProfilePatch()
        patch.email = .some("alex@example.com")
        alex = try desk.service.updateProfile(alex, patch)
        let before = try desk.service.login(username: "alex", password: "correct horse battery")

        try desk.service.requestPasswordReset(email: "nobody@example.com")
        #expect(try outbox(desk).isEmpty)

        try desk.service.requestPasswordReset(email: "ALEX@example.com")
        let mails = try outbox(desk)
        #expect(mails.map(\.email.kind) == [.passwordReset] && mails.first?.email.recipient == "alex@example.com")
        let token = try #require(mails.first).token
        let link = try desk.service.passwordLink(token: token)
        #expect(link.purpose == "reset")
        #expect(link.expiresAt.milliseconds - (mails.first?.email.createdAt.milliseconds ?? 0) == 3_600_000)

        // Two more links this hour, then nothing more is sent (and nothing says so).
        try desk.service.requestPasswordReset(email: "alex@example.com")
        try desk.service.requestPasswordReset(email: "alex@example.com")
        #expect(try outbox(desk).count == 2)
        try desk.service.requestPasswordReset(email: "alex@example.com")
        #expect(try outbox(desk).isEmpty)

        _ = try desk.service.setPassword(token: token, password: "a brand new password")
        #expect(try desk.service.login(username: "alex", password: "correct horse battery") == nil)
        // Every session from before ends; so do the other links.
        #expect(try desk.service.authenticate(token: try #require(before).token) == nil)
        let actions = try desk.service.audit(limit: 10, beforeId: nil)
        #expect(actions.first?.action == "agent.password_set" && actions.first?.data.changes["via"] == "reset")
        #expect(!actions.contains { $0.action.contains("reset_requested") })
    }

    @Test(arguments: Engine.allCases) func aPasswordChangedAnotherWayEndsTheLinks(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        var alex = try desk.agent("alex")
        var patch = ProfilePatch()
        patch.email = .some("alex@example.com")
        alex = try desk.service.updateProfile(alex, patch)
        try desk.service.requestPasswordReset(email: "alex@example.com")
        let token = try #require(try outbox(desk).first).token
        try desk.service.resetPassword(agentId: alex.id, to: "the admin's choice", by: Self.admin)
        refused("invalid_token", reason: "used") { _ = try desk.service.passwordLink(token: token) }
    }

    @Test(arguments: Engine.allCases) func withoutMailNothingIsOfferedNorCreated(_ engine: Engine) throws {
        let desk = try Desk(engine)
        #expect(try desk.service.signInOptions().passwordReset == false)
        refused("email_unavailable") { try desk.service.requestPasswordReset(email: "alex@example.com") }
        refused("email_unavailable") {
            _ = try desk.service.createAgent(username: "sam", password: nil, displayName: "Sam", email: "sam@example.com",
                                             invite: true, by: Self.admin)
        }
        #expect(try desk.service.agent(username: "sam") == nil)
        // Neither a password nor an invitation: refused.
        refused("invalid_password") { _ = try desk.service.createAgent(username: "kim", password: nil, displayName: "Kim") }
    }

    @Test(arguments: Engine.allCases) func theDemoNoteLastsWhileADemoAccountKeepsItsPrintedPassword(_ engine: Engine) throws {
        let desk = try Desk(engine, policy: Self.mail)
        #expect(try desk.service.signInOptions() == PasswordLinkAnswer.Options(passwordReset: true, demoAccounts: false))
        _ = try DemoData.seedAccount(desk.service, username: "admin", displayName: "Ada Admin", role: .admin, password: nil)
        _ = try DemoData.seedAccount(desk.service, username: "agent", displayName: "Alex Agent", role: .agent,
                                     password: "printed password 1")
        #expect(try desk.service.signInOptions().demoAccounts)
        let admin = try #require(try desk.service.agent(username: "admin"))
        try desk.service.resetPassword(agentId: admin.id, to: "only ada knows this", by: Self.admin)
        #expect(try desk.service.signInOptions().demoAccounts)  // "agent" still has its printed one
        let agent = try #require(try desk.service.agent(username: "agent"))
        let session = try #require(try desk.service.login(username: "agent", password: "printed password 1"))
        try desk.service.changeOwnPassword(agent, token: session.token, current: "printed password 1", new: "alex chose this")
        #expect(try desk.service.signInOptions().demoAccounts == false)
        // Seeding again with a chosen password marks it again: the note tells the truth.
        _ = try DemoData.seedAccount(desk.service, username: "agent", displayName: "Alex Agent", role: .agent,
                                     password: "printed password 2")
        #expect(try desk.service.signInOptions().demoAccounts)
    }
}
