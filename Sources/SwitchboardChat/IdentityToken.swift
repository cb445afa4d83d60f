import Crypto
import Foundation
import SwitchboardCore

/// What a shop's server says about its signed-in customer (issue 19): a JWT (RFC 7519)
/// signed with HS256 and one of the shop's identity secrets. `sub` is the shop's own
/// customer id; `name` and `email` are optional hints the shop vouches for.
public struct IdentityClaims: Equatable, Sendable {
    public let subject: String
    public let issuedAt: Int64
    public let expiresAt: Int64
    public let name: String?
    public let email: String?
    /// The id of the secret that verified it.
    public let keyId: String
}

/// Why a token was refused; `reason` is the API's `invalid_identity` reason.
public struct IdentityTokenError: Error, Equatable, Sendable {
    public enum Reason: String, Sendable {
        case malformed, algorithm, badSignature = "bad_signature", unknownKey = "unknown_key", expired
        case notYetValid = "not_yet_valid", lifetimeTooLong = "lifetime_too_long"
    }

    public let reason: Reason
    public let detail: String
}

/// A strict HS256 verifier, written against RFC 7515/7519 with swift-crypto's HMAC rather
/// than a general JWT library: it accepts exactly one shape (three base64url parts without
/// padding, a JSON header with `alg: HS256`, optional `typ: JWT` and `kid`, and nothing
/// else that changes the meaning, such as `crit`), compares signatures in constant time,
/// and checks the claims the contract requires. Every refusal names its reason; nothing
/// in a token can make it throw anything else.
public enum IdentityToken {
    /// Clock skew allowed on `iat` and `exp`.
    public static let leewaySeconds: Int64 = 60
    /// The longest `exp - iat` a shop may sign.
    public static let maxLifetimeSeconds: Int64 = 24 * 3600
    /// `sub`: the shop's customer id, 1–128 characters.
    public static let subjectLength = 1...128
    /// A token longer than this is refused before any parsing.
    public static let maxTokenBytes = 8192

    /// A shop's secret: its id (the JOSE `kid`) and its bytes.
    public struct Secret: Sendable {
        public let id: String
        public let key: [UInt8]
        public init(id: String, key: [UInt8]) {
            self.id = id
            self.key = key
        }
    }

    /// The claims of `token` if one of `secrets` signed it and it is valid at `now`
    /// (seconds since 1970). With a `kid` only that secret is tried (`unknown_key` when
    /// there is none such); without one, each secret in turn (a rotation keeps two).
    public static func verify(_ token: String, secrets: [Secret], now: Int64) throws(IdentityTokenError) -> IdentityClaims {
        guard token.utf8.count <= maxTokenBytes else { throw refuse(.malformed, "The identity token is too long.") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        let shape = "An identity token is three base64url parts separated by dots."
        guard parts.count == 3, let headerBytes = base64URL(parts[0]) else { throw refuse(.malformed, shape) }
        // The algorithm first: `alg: none` (whose signature is empty) is refused as such.
        let header = try decode(Header.self, headerBytes, "header")
        guard header.alg == "HS256" else {
            throw refuse(.algorithm, "Identity tokens are signed with HS256 only (this one says \(header.alg.prefix(20))).")
        }
        guard let payloadBytes = base64URL(parts[1]), let signature = base64URL(parts[2]) else { throw refuse(.malformed, shape) }
        guard header.typ == nil || header.typ == "JWT", header.crit == nil else {
            throw refuse(.malformed, "The identity token's header has members this server does not accept.")
        }
        let candidates = header.kid.map { kid in secrets.filter { $0.id == kid } } ?? secrets
        guard !candidates.isEmpty else {
            throw refuse(.unknownKey, "No identity secret has the token's key id; create one in Settings or sign with an existing one.")
        }
        let signed = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        guard let secret = candidates.first(where: { secret in
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: SymmetricKey(data: secret.key))
        }) else {
            throw refuse(.badSignature, "The identity token's signature does not match any identity secret.")
        }
        let claims = try decode(Payload.self, payloadBytes, "payload")
        guard let sub = claims.sub, subjectLength.contains(sub.unicodeScalars.count) else {
            throw refuse(.malformed, "sub: the shop's customer id, 1–128 characters.")
        }
        guard let iat = claims.iat, let exp = claims.exp else {
            throw refuse(.malformed, "iat and exp are required (seconds since 1970).")
        }
        guard exp - iat <= maxLifetimeSeconds else {
            throw refuse(.lifetimeTooLong, "An identity token may live at most 24 hours (exp - iat).")
        }
        guard now < exp + leewaySeconds else { throw refuse(.expired, "The identity token has expired; sign a new one.") }
        guard iat <= now + leewaySeconds else { throw refuse(.notYetValid, "The identity token's iat is in the future.") }
        return IdentityClaims(subject: sub, issuedAt: iat, expiresAt: exp, name: claims.name, email: claims.email, keyId: secret.id)
    }

    /// A token signed with `secret` (HS256, its id as `kid`): what a shop's server makes;
    /// the CLI uses it for a shop's tests and the demo sign-ins.
    public static func sign(subject: String, name: String?, email: String?, issuedAt: Int64, lifetimeSeconds: Int64,
                            secret: Secret) -> String {
        struct SignedHeader: Encodable { let alg = "HS256", typ = "JWT"; let kid: String }
        struct SignedPayload: Encodable {
            let sub: String
            let name: String?
            let email: String?
            let iat: Int64
            let exp: Int64
            enum CodingKeys: String, CodingKey { case sub, name, email, iat, exp }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(sub, forKey: .sub)
                if let name { try c.encode(name, forKey: .name) }
                if let email { try c.encode(email, forKey: .email) }
                try c.encode(iat, forKey: .iat)
                try c.encode(exp, forKey: .exp)
            }
        }
        let header = Secrets.base64url((try? WireJSON.encode(SignedHeader(kid: secret.id))) ?? [])
        let payload = Secrets.base64url((try? WireJSON.encode(SignedPayload(sub: subject, name: name, email: email, iat: issuedAt,
                                                                           exp: issuedAt + lifetimeSeconds))) ?? [])
        let signingInput = header + "." + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: secret.key))
        return signingInput + "." + Secrets.base64url(Array(mac))
    }

    private struct Header: Decodable {
        var alg: String
        var typ: String?
        var kid: String?
        var crit: [String]?
    }

    /// Numbers must be whole (RFC 7519's NumericDate may have a fraction; a shop's library
    /// writes integers, and a fraction here would be floored silently otherwise).
    private struct Payload: Decodable {
        var sub: String?
        var iat: Int64?
        var exp: Int64?
        var name: String?
        var email: String?
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ part: String) throws(IdentityTokenError) -> T {
        do {
            return try WireJSON.decode(type, from: bytes)
        } catch {
            throw refuse(.malformed, "The identity token's \(part) is not the JSON object it must be.")
        }
    }

    private static func refuse(_ reason: IdentityTokenError.Reason, _ detail: String) -> IdentityTokenError {
        IdentityTokenError(reason: reason, detail: detail)
    }

    /// Unpadded base64url (RFC 7515 §2): any other character, padding or a length that
    /// cannot be base64 is nil.
    static func base64URL(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.count % 4 != 1,
              text.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F })
        else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}
