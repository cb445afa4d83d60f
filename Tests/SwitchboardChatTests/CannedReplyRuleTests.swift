import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Canned replies: shortcuts unique per scope and owner, team replies for admins, variables
/// checked when saved and filled (or left empty, never `{{…}}`) when rendered.
struct CannedReplyRuleTests {
    @Test func templatesNameKnownVariablesAndFallBack() throws {
        let text = "Hi {{contact.first_name | there}}, {{ agent.name }} here from {{brand.name}}. {not} {{ left"
        let rendered = CannedTemplate.render(text, values: ["contact.first_name": "", "agent.name": "Sam", "brand.name": "Northwind"])
        #expect(rendered == "Hi there, Sam here from Northwind. {not} {{ left")
        #expect(CannedTemplate.render("Mail {{contact.email}}.", values: [:]) == "Mail .")
        #expect(CannedTemplate.parse("Dear {{customer.name}}") == .failure(CannedTemplate.UnknownVariable(name: "customer.name")))
        // A stray "{{" before a real one stays text.
        #expect(CannedTemplate.render("{{ {{brand.name}}", values: ["brand.name": "N"]) == "{{ N")
    }

    @Test(arguments: Engine.allCases) func shortcutsAreUniquePerScopeAndOwnerAndTeamRepliesAreForAdmins(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let ada = try desk.agent("ada", role: .admin)
        let alex = try desk.agent("alex")
        let sam = try desk.agent("sam")
        let team = try desk.service.createCannedReply(
            CannedReplyInput(shortcut: "/Refund", title: "Refund started", content: "Your refund is on its way.", scope: .team), by: ada)
        #expect(team.shortcut == "refund" && team.ownerAgentId == nil)
        refused("admin_required") {
            _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "x", title: "x", content: "x", scope: .team), by: alex)
        }
        refused("shortcut_taken") {
            _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "refund", title: "t", content: "c", scope: .team), by: ada)
        }
        // The same shortcut as someone's own: a different scope, allowed; twice for one owner: not.
        let mine = try desk.service.createCannedReply(CannedReplyInput(shortcut: "refund", title: "My refund", content: "Done!"), by: alex)
        _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "refund", title: "Sam's", content: "Ok"), by: sam)
        refused("shortcut_taken") {
            _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "refund", title: "again", content: "c"), by: alex)
        }
        refused("invalid_shortcut") { _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "-no", title: "t", content: "c"), by: alex) }
        refused("invalid_shortcut") {
            _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: String(repeating: "a", count: 33), title: "t", content: "c"), by: alex)
        }
        refused("invalid_title") { _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "t", title: " ", content: "c"), by: alex) }
        refused("unknown_variable") {
            _ = try desk.service.createCannedReply(CannedReplyInput(shortcut: "v", title: "t", content: "Hi {{customer.name}}"), by: alex)
        }

        // Alex sees the team's and their own, never Sam's.
        #expect(try desk.service.cannedReplies(for: alex, query: nil).map(\.id).sorted() == [team.id, mine.id].sorted())
        #expect(try desk.service.cannedReplies(for: alex, query: "/ref").count == 2)
        #expect(try desk.service.cannedReplies(for: alex, query: "its WAY").map(\.id) == [team.id])
        #expect(try desk.service.cannedReplies(for: alex, query: "courier").isEmpty)

        // Editing: the owner their own; admins the team's; another's personal one does not exist.
        refused("admin_required") { _ = try desk.service.updateCannedReply(id: team.id, CannedReplyPatch(title: "x"), by: alex) }
        refused("canned_reply_not_found") { _ = try desk.service.updateCannedReply(id: mine.id, CannedReplyPatch(title: "x"), by: ada) }
        refused("canned_reply_not_found") { try desk.service.deleteCannedReply(id: mine.id, by: sam) }
        #expect(try desk.service.updateCannedReply(id: mine.id, CannedReplyPatch(title: "Refund done"), by: alex).title == "Refund done")
        try desk.service.deleteCannedReply(id: team.id, by: ada)
        #expect(try desk.service.cannedReplies(for: alex, query: nil).map(\.id) == [mine.id])
        let actions = try desk.service.audit(limit: 10, beforeId: nil).map(\.action)
        #expect(actions.contains("canned_reply.created") && actions.contains("canned_reply.deleted"))
        #expect(!actions.contains("canned_reply.updated"))  // personal replies are no admin change
    }

    @Test(arguments: Engine.allCases) func renderingFillsTheConversationsContactTheAgentAndTheShop(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let reply = try desk.service.createCannedReply(CannedReplyInput(
            shortcut: "hi", title: "Hello",
            content: "Hi {{contact.first_name | there}} ({{contact.email}}), {{agent.name}} at {{brand.name}}. {{contact.name}}"), by: alex)
        let (anonymous, _) = try desk.start(email: nil)
        #expect(try desk.service.renderCannedReply(id: reply.id, conversationId: anonymous.id, by: alex)
                == "Hi there (), Alex at Our shop. ")
        let named = try desk.service.start(sessionId: nil, forceNew: false, displayName: "Jamie Rivera", email: "jamie@example.com")
        let rendered = try desk.service.renderCannedReply(id: reply.id, conversationId: named.conversation.id, by: alex)
        #expect(rendered == "Hi Jamie (jamie@example.com), Alex at Our shop. Jamie Rivera")
        refused("canned_reply_not_found") {
            _ = try desk.service.renderCannedReply(id: reply.id, conversationId: anonymous.id, by: try desk.agent("sam"))
        }
        refused("conversation_not_found") { _ = try desk.service.renderCannedReply(id: reply.id, conversationId: "nope", by: alex) }
    }
}
