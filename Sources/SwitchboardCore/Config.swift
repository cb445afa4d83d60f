#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings shared by every executable, read from `SWITCHBOARD_*` environment variables
/// with defaults that work on a laptop. docs/CONTRACTS.md lists them.
public struct Config: Sendable {
    public var dataDir: String
    public var runDir: String
    public var routing: RoutingMode
    public var workerThreads: Int
    public var maxBodyBytes: Int
    public var tokenTTLSeconds: Int64
    public var scryptLogN: Int
    /// How many scrypt hashes may run at once (each needs ~128 MiB at the default cost).
    public var maxConcurrentHashes: Int
    /// How many more logins may wait for a hash before the next one gets 503.
    public var hashQueue: Int = 2
    /// Escalated chats still open that one client address may have at once (0: no limit).
    public var maxOpenChatsPerAddress: Int = 5
    /// Failed logins for one username before unknown addresses must wait (exponentially).
    public var loginFailuresBeforeBackoff: Int = 5
    /// SSE connections are closed after about this long (±10 %) so clients re-authorize.
    public var sseMaxLifetimeSeconds: Int = 1800
    /// The notifier's fallback poll of the outbox when no wake-up datagram arrives.
    public var notifierPollMilliseconds: Int = 1000
    /// Events older than this are pruned; a resume cursor older than that gets `reset`.
    public var eventRetentionSeconds: Int = 3 * 86400
    public var heartbeatSeconds: Int = 15
    /// Where e-mail goes out (`smtp://user:pass@host:587`, `smtps://…`); nil: no e-mail at all.
    /// Holds a password: never logged (`smtpServerForLogs` is the safe spelling).
    public var smtpURL: String?
    /// The sender of every e-mail.
    public var mailFrom: String = "switchboard@localhost"
    /// The address shoppers and agents reach this installation at (links in e-mails).
    public var publicURL: String = "http://127.0.0.1:8080"
    /// An agent reply the shopper has not seen for this long is e-mailed to them.
    public var unseenReplySeconds: Int = 600
    /// An agent whose last console stream closed this long ago goes offline.
    public var presenceGraceSeconds: Int = 120
    /// The first retry of an e-mail the SMTP server did not take; doubles up to an hour.
    public var mailRetrySeconds: Int = 30

    public var mailEnabled: Bool { smtpURL != nil }

    /// The SMTP URL without its credentials, for logs.
    public var smtpServerForLogs: String {
        guard let url = smtpURL else { return "none" }
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // "smtp:", "", "user:pass@host:port", rest
        guard parts.count >= 3, let at = parts[2].lastIndex(of: "@") else { return url }
        let host = parts[2][parts[2].index(after: at)...]
        return ([parts[0], parts[1], host] + parts.dropFirst(3)).joined(separator: "/")
    }

    public var databasePath: String { dataDir + "/switchboard.sqlite" }
    public var workerSocketPath: String { runDir + "/worker.sock" }
    public var notifierSocketPath: String { runDir + "/notifier.sock" }
    public var wakeupSocketPath: String { runDir + "/notify.dgram" }

    public init(dataDir: String = "./var", runDir: String? = nil, routing: RoutingMode = .auto,
                workerThreads: Int = 4, maxBodyBytes: Int = 65536, tokenTTLSeconds: Int64 = 43200,
                scryptLogN: Int = 17, maxConcurrentHashes: Int = 2) {
        self.dataDir = dataDir
        self.runDir = runDir ?? dataDir + "/run"
        self.routing = routing
        self.workerThreads = workerThreads
        self.maxBodyBytes = maxBodyBytes
        self.tokenTTLSeconds = tokenTTLSeconds
        self.scryptLogN = scryptLogN
        self.maxConcurrentHashes = maxConcurrentHashes
    }

    /// Reads the environment; a value that is set but malformed is an error, never silently the default.
    public static func fromEnvironment(_ env: [String: String] = Config.processEnvironment()) throws(ConfigError) -> Config {
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingSpaces, !v.isEmpty else { return nil }
            return v
        }
        func int(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
            guard let text = value(name) else { return fallback }
            guard let v = Int(text), range.contains(v) else {
                throw ConfigError("\(name)=\(text) is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var config = Config(dataDir: value("SWITCHBOARD_DATA_DIR") ?? "./var")
        config.runDir = value("SWITCHBOARD_RUN_DIR") ?? config.dataDir + "/run"
        if let routing = value("SWITCHBOARD_ROUTING") {
            guard let mode = RoutingMode(rawValue: routing) else {
                throw ConfigError("SWITCHBOARD_ROUTING=\(routing) must be auto or manual")
            }
            config.routing = mode
        }
        // Enough that logins waiting for a hash (at most hashes + queue) never take them all, and
        // that writes waiting for the group commit make big batches (bench: 4 × cores gave ~3
        // POSTs per commit and 2,200 POST/s; 16 × cores ~12 and 3,400; 32 × cores no more
        // POSTs and a worse read p99 from oversubscribed cores).
        config.workerThreads = try int("SWITCHBOARD_WORKER_THREADS", 16 * cores, 1...512)
        config.maxBodyBytes = try int("SWITCHBOARD_MAX_BODY_BYTES", 65536, 1024...(16 << 20))
        config.tokenTTLSeconds = Int64(try int("SWITCHBOARD_TOKEN_TTL_SECONDS", 43200, 60...(90 * 86400)))
        config.scryptLogN = try int("SWITCHBOARD_SCRYPT_LOG_N", 17, 10...20)
        // One core is left to everything else while logins are hashed.
        config.maxConcurrentHashes = try int("SWITCHBOARD_MAX_CONCURRENT_HASHES", max(1, cores - 1), 1...64)
        config.hashQueue = try int("SWITCHBOARD_HASH_QUEUE", 2 * config.maxConcurrentHashes, 0...1024)
        config.maxOpenChatsPerAddress = try int("SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS", 5, 0...10_000)
        config.loginFailuresBeforeBackoff = try int("SWITCHBOARD_LOGIN_FAILURES_BEFORE_BACKOFF", 5, 1...1000)
        config.sseMaxLifetimeSeconds = try int("SWITCHBOARD_SSE_MAX_LIFETIME_SECONDS", 1800, 5...86400)
        config.notifierPollMilliseconds = try int("SWITCHBOARD_NOTIFIER_POLL_MS", 1000, 20...60000)
        config.eventRetentionSeconds = try int("SWITCHBOARD_EVENT_RETENTION_SECONDS", 3 * 86400, 60...(365 * 86400))
        config.heartbeatSeconds = try int("SWITCHBOARD_HEARTBEAT_SECONDS", 15, 1...300)
        if let url = value("SWITCHBOARD_SMTP_URL") {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw ConfigError("SWITCHBOARD_SMTP_URL must start with smtp:// or smtps://")
            }
            config.smtpURL = url
        }
        if let from = value("SWITCHBOARD_MAIL_FROM") {
            guard Validate.isEmail(from) else { throw ConfigError("SWITCHBOARD_MAIL_FROM=\(from) is not an e-mail address") }
            config.mailFrom = from
        }
        if let url = value("SWITCHBOARD_PUBLIC_URL") {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError("SWITCHBOARD_PUBLIC_URL=\(url) must start with http:// or https://")
            }
            config.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        config.unseenReplySeconds = try int("SWITCHBOARD_UNSEEN_REPLY_SECONDS", 600, 1...(7 * 86400))
        config.presenceGraceSeconds = try int("SWITCHBOARD_PRESENCE_GRACE_SECONDS", 120, 1...86400)
        config.mailRetrySeconds = try int("SWITCHBOARD_MAIL_RETRY_SECONDS", 30, 1...3600)
        return config
    }

    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            cursor += 1
        }
        return result
    }
}

/// A configuration value that cannot be used.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    public var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
