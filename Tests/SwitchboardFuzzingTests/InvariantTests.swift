@testable import SwitchboardFuzzing
import SwitchboardAPI
import Testing

/// The harness's checks catch what they claim to: answers a bug would produce.
@Suite struct InvariantTests {
    private func problem(_ response: HTTPResponse, method: String = "GET") -> String? {
        let request = HTTPRequest(method: method, path: "/api/v1/health", requestId: "r")
        var response = response
        response.headers.append(("X-Request-Id", "r"))
        do {
            _ = try Invariants.check(request, response) { FuzzViolation(problem: $0, request: 0, method: method, uri: "/",
                                                                        status: response.status, body: "", logged: []) }
            return nil
        } catch let violation as FuzzViolation {
            return violation.problem
        } catch {
            return "\(error)"
        }
    }

    private let json = [("Content-Type", "application/json")]

    @Test func wellFormedAnswersPass() {
        #expect(problem(HTTPResponse(status: 200, headers: json, body: Array(#"{"ok":true}"#.utf8))) == nil)
        #expect(problem(HTTPResponse(status: 404, headers: json, body: Array(#"{"detail":"No.","code":"not_found"}"#.utf8))) == nil)
        #expect(problem(HTTPResponse(status: 204)) == nil)
        #expect(problem(HTTPResponse(status: 200, headers: json), method: "HEAD") == nil)
    }

    @Test func brokenAnswersAreCaught() {
        let error = Array(#"{"detail":"x","code":"y"}"#.utf8)
        #expect(problem(HTTPResponse(status: 500, headers: json, body: error)) == "server error")
        #expect(problem(HTTPResponse(status: 600, headers: json, body: error)) == "status outside 100...599")
        #expect(problem(HTTPResponse(status: 204, body: [1])) == "204 with a body")
        #expect(problem(HTTPResponse(status: 200, headers: json)) == "empty body")
        #expect(problem(HTTPResponse(status: 200, headers: json, body: Array("{".utf8))) == "body is not JSON")
        #expect(problem(HTTPResponse(status: 200, body: Array("{}".utf8))) == "body without Content-Type: application/json")
        #expect(problem(HTTPResponse(status: 400, headers: json, body: Array(#"{"detail":"x"}"#.utf8)))
            == #"error answer is not {"detail", "code"}"#)
        #expect(problem(HTTPResponse(status: 401, headers: json, body: error)) == "401 without WWW-Authenticate: Bearer")
        #expect(problem(HTTPResponse(status: 405, headers: json, body: error)) == "405 without Allow")
        #expect(problem(HTTPResponse(status: 429, headers: json, body: error)) == "429 without Retry-After")
    }

    @Test func inputFormatBecomesCGIParams() {
        let chunk = FuzzInput.request(Array("POST /a%2Fb?x=1\nContent-Type: text/plain\nX-Customer-Session-Id: s\u{0}t\n@remote 10.0.0.1\n\nbody".utf8))
        #expect(chunk.body == Array("body".utf8))
        let params = FuzzInput.cgiParams(chunk.head, bodyCount: 4, requestId: "r")
        #expect(params["REQUEST_METHOD"] == "POST")
        #expect(params["REQUEST_URI"] == "/a%2Fb?x=1")
        #expect(params["DOCUMENT_URI"] == "/a/b")
        #expect(params["QUERY_STRING"] == "x=1")
        #expect(params["CONTENT_TYPE"] == "text/plain")
        #expect(params["HTTP_X_CUSTOMER_SESSION_ID"] == "s")
        #expect(params["REMOTE_ADDR"] == "10.0.0.1")
        #expect(params["CONTENT_LENGTH"] == "4")
        #expect(FuzzInput.substitute(Array("$NEWC/$NEW".utf8), ["$NEW": "n", "$NEWC": "c"]) == Array("c/n".utf8))
        #expect(FuzzInput.split(Array("@auto\nGET /\n---\nGET /x".utf8)).auto)
        #expect(FuzzInput.split(Array("GET /\n---\nGET /x".utf8)).requests.count == 2)
    }
}
