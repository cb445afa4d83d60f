#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `SWITCHBOARD_*` variable the executables read: its name, default, allowed range and
/// the line that documents it. `ConfigVariable.all` is the one table: `Config` reads its
/// values through it, `switchboard config` prints it, and docs/CONTRACTS.md carries the
/// markdown it renders (a test compares the two).
public struct ConfigVariable: Sendable {
    /// How the default is found.
    public enum Default: Sendable {
        case number(Int)
        /// `factor` × the machine's cores.
        case perCore(Int)
        /// The cores less one, at least one.
        case coresLessOne
        /// Twice another variable's value (the hash queue: twice the hashes).
        case twice(String)
        case text(String)
        /// Unset unless given (`meaning` says what unset means).
        case unset(meaning: String)
    }

    public let name: String
    public let defaultValue: Default
    /// Whole numbers only: the values accepted; anything else set is a start-up error.
    public let range: ClosedRange<Int>?
    public let doc: String

    init(_ name: String, _ defaultValue: Default, _ range: ClosedRange<Int>? = nil, _ doc: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.range = range
        self.doc = doc
    }

    /// The default as a number on a machine with `cores` (nil for text and unset ones).
    public func defaultNumber(cores: Int = ConfigVariable.cores, resolving: (String) -> Int? = { _ in nil }) -> Int? {
        switch defaultValue {
        case .number(let n): n
        case .perCore(let factor): factor * cores
        case .coresLessOne: max(1, cores - 1)
        case .twice(let other): resolving(other).map { 2 * $0 }
        case .text, .unset: nil
        }
    }

    /// The default as the docs spell it.
    public var defaultDoc: String {
        switch defaultValue {
        case .number(let n): "`\(n)`"
        case .perCore(let factor): "\(factor) × cores"
        case .coresLessOne: "cores − 1 (at least 1)"
        case .twice(let other): "2 × `\(other)`"
        case .text(let text): "`\(text)`"
        case .unset(let meaning): "unset (\(meaning))"
        }
    }

    /// The machine's online cores.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The table's markdown rows, as docs/CONTRACTS.md carries them.
    public static var markdown: String {
        (["| variable | default | range | meaning |", "|---|---|---|---|"] + all.map { v in
            let range = v.range.map { "\($0.lowerBound)–\($0.upperBound)" } ?? ""
            return "| `\(v.name)` | \(v.defaultDoc) | \(range) | \(v.doc) |"
        }).joined(separator: "\n")
    }
}

extension ConfigVariable {
    public static let dataDir = ConfigVariable("SWITCHBOARD_DATA_DIR", .text("./var"), nil, "holds `switchboard.sqlite`")
    public static let runDir = ConfigVariable("SWITCHBOARD_RUN_DIR", .text("$SWITCHBOARD_DATA_DIR/run"), nil,
                                              "sockets, rendered nginx.conf, nginx temp dirs, logs (mode 0700)")
    public static let routing = ConfigVariable("SWITCHBOARD_ROUTING", .text("auto"), nil,
                                               "`auto`: escalations go to the least-loaded online agent with room; `manual`: always queue")
    // Enough that logins waiting for a hash (at most hashes + queue) never take them all, and
    // that writes waiting for the group commit make big batches (bench: 4 × cores gave ~3
    // POSTs per commit and 2,200 POST/s; 16 × cores ~12 and 3,400; 32 × cores no more POSTs
    // and a worse read p99 from oversubscribed cores).
    public static let workerThreads = ConfigVariable("SWITCHBOARD_WORKER_THREADS", .perCore(16), 1...512,
                                                     "FastCGI accept threads (more than logins waiting for a hash can take; writes in flight at once share one group commit)")
    public static let maxBodyBytes = ConfigVariable("SWITCHBOARD_MAX_BODY_BYTES", .number(65536), 1024...(16 << 20),
                                                    "request body cap (worker 413; nginx `client_max_body_size` uses the same)")
    public static let tokenTTL = ConfigVariable("SWITCHBOARD_TOKEN_TTL_SECONDS", .number(43200), 60...(90 * 86400),
                                                "agent access token lifetime")
    public static let scryptLogN = ConfigVariable("SWITCHBOARD_SCRYPT_LOG_N", .number(17), 10...20,
                                                  "scrypt cost for *new* hashes (tests lower it to speed up)")
    // One core is left to everything else while logins are hashed.
    public static let maxConcurrentHashes = ConfigVariable("SWITCHBOARD_MAX_CONCURRENT_HASHES", .coresLessOne, 1...64,
                                                           "scrypt hashes at once (~128 MiB each), on threads of their own at nice 10")
    public static let hashQueue = ConfigVariable("SWITCHBOARD_HASH_QUEUE", .twice("SWITCHBOARD_MAX_CONCURRENT_HASHES"), 0...1024,
                                                 "logins that may wait for a hash; past it a login is 503 `busy` with `Retry-After: 1`")
    public static let maxOpenChatsPerAddress = ConfigVariable("SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS", .number(5), 0...10_000,
                                                              "escalated chats still open per client address (429 `too_many_open_chats` past it; 0: no limit)")
    public static let loginFailuresBeforeBackoff = ConfigVariable(
        "SWITCHBOARD_LOGIN_FAILURES_BEFORE_BACKOFF", .number(5), 1...1000,
        "failed logins in a row for a username before clients that never signed in as it wait 1 s, 2 s, 4 s … 15 min (429 `login_throttled`)")
    public static let sseMaxLifetime = ConfigVariable("SWITCHBOARD_SSE_MAX_LIFETIME_SECONDS", .number(1800), 5...86400,
                                                      "streams end after this (±10 %) and clients re-authorize")
    public static let notifierPoll = ConfigVariable("SWITCHBOARD_NOTIFIER_POLL_MS", .number(1000), 20...60000,
                                                    "the notifier's fallback outbox poll")
    public static let eventRetention = ConfigVariable("SWITCHBOARD_EVENT_RETENTION_SECONDS", .number(3 * 86400), 60...(365 * 86400),
                                                      "events older than this are pruned (hourly); older cursors get `reset`")
    public static let heartbeat = ConfigVariable("SWITCHBOARD_HEARTBEAT_SECONDS", .number(15), 1...300, "SSE heartbeat comment interval")
    public static let smtpURL = ConfigVariable(
        "SWITCHBOARD_SMTP_URL", .unset(meaning: "no e-mail"), nil,
        "`smtp://host:25` (STARTTLS whenever the server offers it), `smtp://user:pass@host:587` (with credentials TLS is required: STARTTLS or the send fails, no password in clear) or `smtps://…` (TLS from the start); percent-encode special characters of the password; never logged (logs show the host only)")
    public static let smtpCAFile = ConfigVariable("SWITCHBOARD_SMTP_CA_FILE", .unset(meaning: "the system's CAs"), nil,
                                                  "PEM file of the CAs that sign the SMTP server's certificate (a relay with a private CA)")
    public static let mailFrom = ConfigVariable("SWITCHBOARD_MAIL_FROM", .text("switchboard@localhost"), nil,
                                                "the sender address of every e-mail (the shop's brand name is the sender's name)")
    public static let publicURL = ConfigVariable("SWITCHBOARD_PUBLIC_URL", .text("http://127.0.0.1:8080"), nil,
                                                 "where shoppers and agents reach this installation (links in e-mails)")
    public static let unseenReply = ConfigVariable("SWITCHBOARD_UNSEEN_REPLY_SECONDS", .number(600), 1...(7 * 86400),
                                                   "an agent reply the shopper has not seen for this long is e-mailed to them")
    public static let offlineMailDelay = ConfigVariable("SWITCHBOARD_OFFLINE_MAIL_DELAY_SECONDS", .number(10), 0...3600,
                                                        "an offline message's e-mail to the shop waits this long, so what the shopper writes right after asking is in it")
    public static let presenceGrace = ConfigVariable("SWITCHBOARD_PRESENCE_GRACE_SECONDS", .number(120), 1...86400,
                                                     "an agent whose last console stream closed this long ago goes offline (`away_since`)")
    public static let mailRetry = ConfigVariable("SWITCHBOARD_MAIL_RETRY_SECONDS", .number(30), 1...3600,
                                                 "first retry of an e-mail the server did not take; doubles up to an hour; given up after 20 attempts")
    public static let customerSessionTTL = ConfigVariable(
        "SWITCHBOARD_CUSTOMER_SESSION_TTL_SECONDS", .number(7 * 86400), 300...(90 * 86400),
        "a signed-in customer's session (`/customer/login`) lasts this long; then the widget signs in again with the page's fresh token")
    public static let widgetOrigins = ConfigVariable(
        "SWITCHBOARD_WIDGET_ORIGINS", .text("http://127.0.0.1:8081"), nil,
        "the sites that may show the chat until an admin saves a list (Settings → Widget; `https://shop.example https://www.shop.example`, or `*` for any site)")
    public static let metricsToken = ConfigVariable(
        "SWITCHBOARD_METRICS_TOKEN", .unset(meaning: "clients on this host only"), nil,
        "with it, `/metrics/worker` and `/metrics/notifier` answer only `Authorization: Bearer <this token>` (from anywhere); at least 16 characters; never logged")
    public static let webhookAllowHTTP = ConfigVariable(
        "SWITCHBOARD_WEBHOOK_ALLOW_HTTP", .number(0), 0...1,
        "1: webhook URLs may be plain `http://` (a receiver on the shop's own network); 0: `https://` only")
    public static let webhookAllowPrivate = ConfigVariable(
        "SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE", .number(0), 0...1,
        "1: webhooks may go to loopback, private and link-local addresses; 0: refused when saved and at every attempt")
    public static let webhookRetry = ConfigVariable(
        "SWITCHBOARD_WEBHOOK_RETRY_SECONDS", .number(5), 1...3600,
        "first retry of a webhook delivery the receiver did not take; doubles up to an hour (±20 %); failed after 24 hours")

    /// Every variable the executables read, in the order the docs list them.
    public static let all: [ConfigVariable] = [
        dataDir, runDir, routing, workerThreads, maxBodyBytes, tokenTTL, scryptLogN, maxConcurrentHashes, hashQueue,
        maxOpenChatsPerAddress, loginFailuresBeforeBackoff, sseMaxLifetime, notifierPoll, eventRetention, heartbeat,
        smtpURL, smtpCAFile, mailFrom, publicURL, unseenReply, offlineMailDelay, presenceGrace, mailRetry, customerSessionTTL, widgetOrigins,
        metricsToken, webhookAllowHTTP, webhookAllowPrivate, webhookRetry,
    ]
}
