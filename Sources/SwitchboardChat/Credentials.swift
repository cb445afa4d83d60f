import Crypto
import SwitchboardCore
import Dispatch
import Foundation
import _CryptoExtras

/// scrypt password hashing (OWASP: N=2^17, r=8, p=1, ~128 MiB each). The cost is stored
/// in the hash, so raising it later only affects new hashes. Hashes run on a `HashPool`:
/// a burst of logins neither allocates gigabytes nor takes the CPU from other requests,
/// and past its queue a login is a 503 with `Retry-After` (thrown by every call here).
public struct PasswordHasher: Sendable {
    public let logN: Int
    let blockSize = 8
    let parallelism = 1
    private let pool: HashPool

    /// `maxConcurrent` hashes run at once; `queue` more may wait.
    public init(logN: Int = 17, maxConcurrent: Int = 1, queue: Int? = nil) {
        self.logN = logN
        self.pool = HashPool(threads: maxConcurrent, queue: queue ?? 2 * max(1, maxConcurrent))
    }

    /// `scrypt$<log2 N>$<r>$<p>$<salt base64>$<key base64>`
    public func hash(_ password: String) throws -> String {
        let salt = Secrets.randomBytes(16)
        let key = try derive(password, salt: salt, logN: logN, r: blockSize, p: parallelism)
        return "scrypt$\(logN)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Constant-time comparison against a stored hash; a malformed hash never verifies, after
    /// the same hashing work as a real check (an invited agent's placeholder hash must not
    /// tell anyone, by a quick refusal, that the username exists).
    public func verify(_ password: String, against stored: String) throws -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
              let logN = Int(parts[1]), (10...22).contains(logN),
              let r = Int(parts[2]), (1...32).contains(r),
              let p = Int(parts[3]), (1...16).contains(p),
              let salt = Data(base64Encoded: String(parts[4])),
              let expected = Data(base64Encoded: String(parts[5])), expected.count == 32
        else {
            try burn(password)
            return false
        }
        let key = try derive(password, salt: [UInt8](salt), logN: logN, r: r, p: p)
        return Secrets.constantTimeEqual(key, [UInt8](expected))
    }

    /// The stored hash of an account nobody can sign in to with a password yet (invited,
    /// not chosen): malformed on purpose, so `verify` never accepts anything against it.
    public static let unusable = "unusable$invited"

    /// Spends the same time as a real check, for unknown usernames (no user enumeration by timing).
    public func burn(_ password: String) throws {
        _ = try derive(password, salt: [UInt8](repeating: 0, count: 16), logN: logN, r: blockSize, p: parallelism)
    }

    private func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let bytes = Array(password.utf8)
        return try pool.run {
            let key = try KDF.Scrypt.deriveKey(from: bytes, salt: salt, outputByteCount: 32,
                                              rounds: 1 << logN, blockSize: r, parallelism: p)
            return key.withUnsafeBytes { Array($0) }
        }
    }
}

/// Random credentials and their stored form.
public enum Secrets {
    public static func randomBytes(_ count: Int) -> [UInt8] {
        // SystemRandomNumberGenerator reads the kernel CSPRNG (getrandom) on Linux.
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    /// 256 random bits, URL-safe base64 without padding.
    public static func token(prefix: String = "") -> String {
        prefix + base64url(randomBytes(32))
    }

    public static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func sha256(_ text: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(text.utf8)))
    }

    /// HMAC-SHA256, first 16 bytes: enough to tell clients apart, not to identify them.
    public static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)).prefix(16))
    }

    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { ConstantTime.equal(a, b) }

    /// A readable random password for demo accounts (~95 bits).
    public static func password() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}

/// Row identifiers.
public enum Identifiers {
    /// A random (version 4) UUID, lower-case. Built from the kernel CSPRNG directly:
    /// Foundation's UUID() opened /dev/urandom on every call (seen in strace under load).
    public static func uuid() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = (rng.next() as UInt64, rng.next() as UInt64)
        bytes.0 = (bytes.0 & ~(0xF << 12)) | (0x4 << 12)              // version 4
        bytes.1 = (bytes.1 & ~(0x3 << 62)) | (0x2 << 62)              // RFC 4122 variant
        // 8-4-4-4-12 lowercase hex digits, written in place (one per message: in the writer).
        return String(unsafeUninitializedCapacity: 36) { out in
            var i = 0
            for n in 0..<32 {
                if n == 8 || n == 12 || n == 16 || n == 20 {
                    out[i] = UInt8(ascii: "-")
                    i += 1
                }
                let word = n < 16 ? bytes.0 : bytes.1
                let nibble = Int((word >> UInt64(60 - 4 * (n % 16))) & 0xF)
                out[i] = UInt8(nibble < 10 ? 48 + nibble : 87 + nibble)
                i += 1
            }
            return i
        }
    }
}
