#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings shared by every executable, read from `SWITCHBOARD_*` environment variables
/// with defaults that work on a laptop. Names, defaults, ranges and docs come from one
/// table, `ConfigVariable.all` (docs/CONTRACTS.md carries its markdown).
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
    public var hashQueue: Int
    /// Escalated chats still open that one client address may have at once (0: no limit).
    public var maxOpenChatsPerAddress = Self.fallback(.maxOpenChatsPerAddress)
    /// Failed logins for one username before unknown addresses must wait (exponentially).
    public var loginFailuresBeforeBackoff = Self.fallback(.loginFailuresBeforeBackoff)
    /// SSE connections are closed after about this long (±10 %) so clients re-authorize.
    public var sseMaxLifetimeSeconds = Self.fallback(.sseMaxLifetime)
    /// The notifier's fallback poll of the outbox when no wake-up datagram arrives.
    public var notifierPollMilliseconds = Self.fallback(.notifierPoll)
    /// Events older than this are pruned; a resume cursor older than that gets `reset`.
    public var eventRetentionSeconds = Self.fallback(.eventRetention)
    public var heartbeatSeconds = Self.fallback(.heartbeat)
    /// Where e-mail goes out (`smtp://user:pass@host:587`, `smtps://…`); nil: no e-mail at all.
    /// Holds a password: never logged (`smtpServerForLogs` is the safe spelling).
    public var smtpURL: String?
    /// The bearer `/metrics/...` wants; nil: clients on this host only.
    public var metricsToken: String?
    /// The CAs to trust for the SMTP server's certificate instead of the system's.
    public var smtpCAFile: String?
    /// The sender of every e-mail.
    public var mailFrom = Self.text(.mailFrom)
    /// The address shoppers and agents reach this installation at (links in e-mails).
    public var publicURL = Self.text(.publicURL)
    /// An agent reply the shopper has not seen for this long is e-mailed to them.
    public var unseenReplySeconds = Self.fallback(.unseenReply)
    /// An offline message's e-mail to the shop waits this long (what the shopper writes next goes in it).
    public var offlineMailDelaySeconds = Self.fallback(.offlineMailDelay)
    /// An agent whose last console stream closed this long ago goes offline.
    public var presenceGraceSeconds = Self.fallback(.presenceGrace)
    /// The first retry of an e-mail the SMTP server did not take; doubles up to an hour.
    public var mailRetrySeconds = Self.fallback(.mailRetry)
    /// Webhooks: plain http allowed, private addresses allowed, the first retry's wait.
    public var webhookAllowHTTP = Self.fallback(.webhookAllowHTTP) == 1
    public var webhookAllowPrivate = Self.fallback(.webhookAllowPrivate) == 1
    public var webhookRetrySeconds = Self.fallback(.webhookRetry)

    /// How long a customer's sign-in lasts.
    public var customerSessionTTLSeconds = Self.fallback(.customerSessionTTL)
    /// The sites that may show the chat until an admin saves a list.
    public var widgetOrigins = WidgetOrigins.parse(environment: Self.text(.widgetOrigins)) ?? []

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
    /// Uploaded files (API.md "Files and images"), kept by content.
    public var filesDir: String { dataDir + "/files" }
    /// Where nginx writes uploads as they arrive (the data disk: `/run` is memory).
    public var uploadTempDir: String { dataDir + "/incoming" }
    public var workerSocketPath: String { runDir + "/worker.sock" }
    public var notifierSocketPath: String { runDir + "/notifier.sock" }
    public var wakeupSocketPath: String { runDir + "/notify.dgram" }

    /// The table's default for a number on this machine (0 for a text or unset variable,
    /// which never reaches here).
    public static func fallback(_ variable: ConfigVariable) -> Int {
        variable.defaultNumber(resolving: { name in
            name == ConfigVariable.maxConcurrentHashes.name ? fallback(.maxConcurrentHashes) : nil
        }) ?? 0
    }

    public static func text(_ variable: ConfigVariable) -> String {
        if case .text(let text) = variable.defaultValue { return text }
        return ""
    }

    /// Every setting at its default; `dataDir` and `runDir` as given.
    public init(dataDir: String = Config.text(.dataDir), runDir: String? = nil) {
        self.dataDir = dataDir
        self.runDir = runDir ?? dataDir + "/run"
        routing = RoutingMode(rawValue: Self.text(.routing)) ?? .auto
        workerThreads = Self.fallback(.workerThreads)
        maxBodyBytes = Self.fallback(.maxBodyBytes)
        tokenTTLSeconds = Int64(Self.fallback(.tokenTTL))
        scryptLogN = Self.fallback(.scryptLogN)
        maxConcurrentHashes = Self.fallback(.maxConcurrentHashes)
        hashQueue = Self.fallback(.hashQueue)
    }

    /// Reads the environment; a value that is set but malformed is an error, never silently the default.
    public static func fromEnvironment(_ env: [String: String] = Config.processEnvironment()) throws(ConfigError) -> Config {
        func value(_ variable: ConfigVariable) -> String? {
            guard let v = env[variable.name]?.trimmingSpaces, !v.isEmpty else { return nil }
            return v
        }
        func int(_ variable: ConfigVariable, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = value(variable) else { return fallback }
            guard let v = Int(text), variable.range.map({ $0.contains(v) }) ?? true else {
                let range = variable.range.map { " in \($0.lowerBound)...\($0.upperBound)" } ?? ""
                throw ConfigError("\(variable.name)=\(text) is not a whole number\(range)")
            }
            return v
        }
        func int(_ variable: ConfigVariable) throws(ConfigError) -> Int { try int(variable, Self.fallback(variable)) }
        var config = Config(dataDir: value(.dataDir) ?? text(.dataDir))
        config.runDir = value(.runDir) ?? config.dataDir + "/run"
        if let routing = value(.routing) {
            guard let mode = RoutingMode(rawValue: routing) else {
                throw ConfigError("SWITCHBOARD_ROUTING=\(routing) must be auto or manual")
            }
            config.routing = mode
        }
        config.workerThreads = try int(.workerThreads)
        config.maxBodyBytes = try int(.maxBodyBytes)
        config.tokenTTLSeconds = Int64(try int(.tokenTTL))
        config.scryptLogN = try int(.scryptLogN)
        config.maxConcurrentHashes = try int(.maxConcurrentHashes)
        config.hashQueue = try int(.hashQueue, 2 * config.maxConcurrentHashes)
        config.maxOpenChatsPerAddress = try int(.maxOpenChatsPerAddress)
        config.loginFailuresBeforeBackoff = try int(.loginFailuresBeforeBackoff)
        config.sseMaxLifetimeSeconds = try int(.sseMaxLifetime)
        config.notifierPollMilliseconds = try int(.notifierPoll)
        config.eventRetentionSeconds = try int(.eventRetention)
        config.heartbeatSeconds = try int(.heartbeat)
        if let url = value(.smtpURL) {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw ConfigError("SWITCHBOARD_SMTP_URL must start with smtp:// or smtps://")
            }
            config.smtpURL = url
        }
        config.smtpCAFile = value(.smtpCAFile)
        if let token = value(.metricsToken) {
            guard token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ConfigError("SWITCHBOARD_METRICS_TOKEN must be at least 16 characters without spaces")
            }
            config.metricsToken = token
        }
        if let from = value(.mailFrom) {
            guard Validate.isEmail(from) else { throw ConfigError("SWITCHBOARD_MAIL_FROM=\(from) is not an e-mail address") }
            config.mailFrom = from
        }
        if let url = value(.publicURL) {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError("SWITCHBOARD_PUBLIC_URL=\(url) must start with http:// or https://")
            }
            config.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        config.unseenReplySeconds = try int(.unseenReply)
        config.offlineMailDelaySeconds = try int(.offlineMailDelay)
        config.presenceGraceSeconds = try int(.presenceGrace)
        config.mailRetrySeconds = try int(.mailRetry)
        config.webhookAllowHTTP = try int(.webhookAllowHTTP) == 1
        config.webhookAllowPrivate = try int(.webhookAllowPrivate) == 1
        config.webhookRetrySeconds = try int(.webhookRetry)
        config.customerSessionTTLSeconds = try int(.customerSessionTTL)
        if let text = value(.widgetOrigins) {
            guard let origins = WidgetOrigins.parse(environment: text) else {
                throw ConfigError("SWITCHBOARD_WIDGET_ORIGINS=\(text): origins like https://shop.example, space-separated (or * for any site)")
            }
            config.widgetOrigins = origins
        }
        return config
    }

    /// The value in force (never the SMTP password: the URL is shown as the logs show it).
    public func value(of variable: ConfigVariable) -> String? {
        let c = self
        return switch variable.name {
        case ConfigVariable.dataDir.name: c.dataDir
        case ConfigVariable.runDir.name: c.runDir
        case ConfigVariable.routing.name: c.routing.rawValue
        case ConfigVariable.workerThreads.name: String(c.workerThreads)
        case ConfigVariable.maxBodyBytes.name: String(c.maxBodyBytes)
        case ConfigVariable.tokenTTL.name: String(c.tokenTTLSeconds)
        case ConfigVariable.scryptLogN.name: String(c.scryptLogN)
        case ConfigVariable.maxConcurrentHashes.name: String(c.maxConcurrentHashes)
        case ConfigVariable.hashQueue.name: String(c.hashQueue)
        case ConfigVariable.maxOpenChatsPerAddress.name: String(c.maxOpenChatsPerAddress)
        case ConfigVariable.loginFailuresBeforeBackoff.name: String(c.loginFailuresBeforeBackoff)
        case ConfigVariable.sseMaxLifetime.name: String(c.sseMaxLifetimeSeconds)
        case ConfigVariable.notifierPoll.name: String(c.notifierPollMilliseconds)
        case ConfigVariable.eventRetention.name: String(c.eventRetentionSeconds)
        case ConfigVariable.heartbeat.name: String(c.heartbeatSeconds)
        case ConfigVariable.smtpURL.name: c.smtpURL == nil ? "" : c.smtpServerForLogs
        case ConfigVariable.smtpCAFile.name: c.smtpCAFile ?? ""
        case ConfigVariable.mailFrom.name: c.mailFrom
        case ConfigVariable.publicURL.name: c.publicURL
        case ConfigVariable.unseenReply.name: String(c.unseenReplySeconds)
        case ConfigVariable.offlineMailDelay.name: String(c.offlineMailDelaySeconds)
        case ConfigVariable.presenceGrace.name: String(c.presenceGraceSeconds)
        case ConfigVariable.mailRetry.name: String(c.mailRetrySeconds)
        case ConfigVariable.webhookAllowHTTP.name: c.webhookAllowHTTP ? "1" : "0"
        case ConfigVariable.webhookAllowPrivate.name: c.webhookAllowPrivate ? "1" : "0"
        case ConfigVariable.webhookRetry.name: String(c.webhookRetrySeconds)
        case ConfigVariable.customerSessionTTL.name: String(c.customerSessionTTLSeconds)
        case ConfigVariable.widgetOrigins.name: c.widgetOrigins.joined(separator: " ")
        case ConfigVariable.metricsToken.name: c.metricsToken == nil ? "" : "(set)"
        default: nil
        }
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
