import Crypto
import Foundation
import SwitchboardCore

/// The Standard Webhooks signature (standardwebhooks.com): `v1,` + base64 of HMAC-SHA256,
/// keyed with the secret's bytes (base64 after `whsec_`), over `id.timestamp.body`.
public enum WebhookSigner {
    public static let secretPrefix = "whsec_"

    /// `whsec_` + base64 of 32 random bytes.
    public static func newSecret() -> String {
        secretPrefix + Data(Secrets.randomBytes(32)).base64EncodedString()
    }

    /// `msg_` + 32 hex digits: one per event, the `webhook-id` every attempt and endpoint shares.
    public static func messageId() -> String {
        "msg_" + Hex.string(Secrets.randomBytes(16))
    }

    /// The `webhook-signature` header: one `v1,<base64>` per secret, space-separated.
    public static func signature(secrets: [String], id: String, timestamp: Int64, body: String) -> String {
        let signed = Array("\(id).\(timestamp).\(body)".utf8)
        return secrets.compactMap { secret -> String? in
            guard let key = key(secret) else { return nil }
            let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
            return "v1," + Data(mac).base64EncodedString()
        }.joined(separator: " ")
    }

    /// The key bytes of a `whsec_` secret (a secret without the prefix is taken as base64 too).
    static func key(_ secret: String) -> [UInt8]? {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        return Data(base64Encoded: encoded).map { [UInt8]($0) }
    }
}
