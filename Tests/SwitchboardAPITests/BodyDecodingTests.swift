import SwitchboardCore
import Testing

/// A check a body type makes while it decodes keeps its own answer (found with the fuzz
/// harness: it used to become "The body is not valid JSON.").
@Suite struct BodyDecodingTests {
    @Test func aRoleCheckedWhileDecodingKeepsItsCode() throws {
        let api = try TestAPI()
        let token = try api.agentToken("boss", role: .admin)
        let agent = try #require(try api.service.agent(username: "boss"))
        let reply = api.call("PATCH", "/api/v1/admin/agents/\(agent.id)", json: #"{"role":"boss"}"#, headers: bearer(token))
        #expect(reply.status == 400)
        #expect(reply.code == "invalid_role")
        #expect(reply.error?.detail == "role: agent or admin.")
        // Malformed JSON is still invalid_json.
        #expect(api.call("PATCH", "/api/v1/admin/agents/\(agent.id)", json: #"{"role":"#, headers: bearer(token)).code == "invalid_json")
    }
}
