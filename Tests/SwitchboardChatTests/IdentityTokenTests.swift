import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// The identity-token verifier against tokens an independent implementation signed
/// (PyJWT, Tests/fixtures/identity/make-tokens.py): every refusal reason, the leeway on both
/// ends, the 24-hour cap, rotation with two secrets, `alg: none` and a payload changed
/// after signing.
struct IdentityTokenTests {
    struct Fixture: Decodable {
        struct Secret: Decodable { var id: String; var key: String }
        struct Expect: Decodable { var reason: String?; var sub: String?; var name: String?; var email: String?; var kid: String? }
        struct Case: Decodable { var name: String; var token: String; var expect: Expect }
        var now: Int64
        var secrets: [Secret]
        var cases: [Case]
    }

    static let fixture: Fixture = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../fixtures/identity/tokens.json").standardized
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: file))
    }()

    static var secrets: [IdentityToken.Secret] { fixture.secrets.map { .init(id: $0.id, key: Array($0.key.utf8)) } }

    @Test(arguments: fixture.cases.map(\.name))
    func pyJWTsTokensGetTheirAnswer(_ name: String) throws {
        let c = try #require(Self.fixture.cases.first { $0.name == name })
        do {
            let claims = try IdentityToken.verify(c.token, secrets: Self.secrets, now: Self.fixture.now)
            #expect(c.expect.reason == nil, "accepted, but expected \(c.expect.reason ?? "")")
            #expect(claims.subject == c.expect.sub)
            #expect(claims.keyId == c.expect.kid)
            if c.expect.name != nil || c.expect.email != nil || c.expect.sub == "customer-2" {
                #expect(claims.name == c.expect.name && claims.email == c.expect.email)
            }
        } catch {
            #expect(error.reason.rawValue == c.expect.reason, "\(error.detail)")
        }
    }

    @Test func theCasesCoverEveryReason() {
        let reasons = Set(Self.fixture.cases.compactMap(\.expect.reason))
        #expect(reasons == ["malformed", "algorithm", "bad_signature", "unknown_key", "expired", "not_yet_valid", "lifetime_too_long"])
    }

    /// Removing the secret that signed a token (the end of a rotation) refuses it.
    @Test func aRetiredSecretNoLongerVerifies() throws {
        let first = try #require(Self.fixture.cases.first { $0.name == "valid with kid" })
        #expect(throws: IdentityTokenError.self) {
            try IdentityToken.verify(first.token, secrets: Self.secrets.filter { $0.id != "k1" }, now: Self.fixture.now)
        }
    }

    /// Arbitrary bytes never do anything but refuse with `malformed` (or another reason).
    @Test func garbageIsRefusedNotCrashed() {
        for text in ["...", "a.b.c", "eyJ.eyJ.", String(repeating: "A", count: 9000), "ä.ö.ü", "e30.e30.e30", "\u{0}.\u{0}.\u{0}"] {
            #expect(throws: IdentityTokenError.self) { try IdentityToken.verify(text, secrets: Self.secrets, now: 0) }
        }
    }
}
