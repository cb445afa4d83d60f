import Foundation
import SwitchboardCore

/// What a report was asked for, before it is checked (the query string's members).
public struct ReportParameters: Sendable {
    public var from: String?
    public var to: String?
    public var interval: String?
    public var businessHours: String?
    public var labelId: String?
    public var agentId: String?

    public init(from: String? = nil, to: String? = nil, interval: String? = nil, businessHours: String? = nil,
                labelId: String? = nil, agentId: String? = nil) {
        self.from = from
        self.to = to
        self.interval = interval
        self.businessHours = businessHours
        self.labelId = labelId
        self.agentId = agentId
    }
}

/// A checked report: the range in shop days and as instants, the filter, the clock.
public struct ReportScope: Sendable {
    public let range: ReportAnswer.Range
    public let filter: ReportFilter
    let firstDay: Int64
    let dayCount: Int
    let weekly: Bool
    let zone: TimeZone
    /// Set with `business_hours=true` when the shop has a schedule.
    let hours: BusinessHours?
    let now: Timestamp

    /// The CSV's file name.
    public var filename: String { "conversations-\(range.from)-\(range.to).csv" }
}

/// Reports (API.md "Reports"): one pass over the conversations a filter matches, in the
/// shop's time zone, with exact nearest-rank percentiles.
extension ChatService {
    public static let reportMaxDays = 400

    /// Checks the parameters (400/404 before anything is read or streamed).
    public func reportScope(_ p: ReportParameters, agentId forcedAgent: String? = nil,
                            at now: Timestamp = .now()) throws -> ReportScope {
        let settings = try shopSettings()
        let zone = TimeZone(identifier: settings.availability.timezone) ?? TimeZone(identifier: "UTC")!
        var clock = ShopClock(zone: zone)
        let today = clock.localDay(now)
        let toDay = try p.to.map(Self.dayNumber) ?? today
        let fromDay = try p.from.map(Self.dayNumber) ?? (toDay - 29)
        guard toDay >= fromDay else {
            throw AppError.badRequest("to: the same day as from or later.", code: "invalid_range")
        }
        guard toDay - fromDay < Int64(Self.reportMaxDays) else {
            throw AppError.badRequest("A report covers at most \(Self.reportMaxDays) days.", code: "invalid_range")
        }
        func choice(_ text: String?, _ values: [String: Bool], _ detail: String, _ code: String) throws -> Bool {
            guard let text, !text.isEmpty else { return false }
            guard let value = values[text] else { throw AppError.badRequest(detail, code: code) }
            return value
        }
        let weekly = try choice(p.interval, ["day": false, "week": true], "interval: day or week.", "invalid_interval")
        let business = try choice(p.businessHours, ["true": true, "false": false], "business_hours: true or false.",
                                  "invalid_business_hours")
        let agentId = forcedAgent ?? p.agentId
        try read { rows in
            if let label = p.labelId, try rows.label(id: label) == nil {
                throw AppError.notFound("No label \(String(label.prefix(64))).", code: "label_not_found")
            }
            if let agentId, try rows.agent(id: agentId) == nil {
                throw AppError.notFound("No agent \(String(agentId.prefix(64))).", code: "agent_not_found")
            }
        }
        let fromText = ShopClock.dateString(ofDay: fromDay), toText = ShopClock.dateString(ofDay: toDay)
        let filter = ReportFilter(from: try shopDay(fromText), to: try shopDay(toText, nextDay: true),
                                  labelId: p.labelId, agentId: agentId)
        let hours = business && settings.availability.hasSchedule ? BusinessHours(settings.availability) : nil
        // The zone as the shop named it ("UTC", never Foundation's "GMT" for it).
        let range = ReportAnswer.Range(from: fromText, to: toText, timezone: settings.availability.timezone,
                                       interval: weekly ? "week" : "day", businessHours: business)
        return ReportScope(range: range, filter: filter, firstDay: fromDay, dayCount: Int(toDay - fromDay + 1),
                           weekly: weekly, zone: zone, hours: hours, now: now)
    }

    /// `YYYY-MM-DD` as a day number (400 `invalid_date` otherwise).
    static func dayNumber(_ text: String) throws -> Int64 {
        guard let date = Timestamp.civilDate(text) else {
            throw AppError.badRequest("\(String(text.prefix(40))): a date like 2026-12-01.", code: "invalid_date")
        }
        return ShopClock.dayNumber(year: date.year, month: date.month, day: date.day)
    }

    public func reportOverview(_ scope: ReportScope) throws -> ReportAnswer.Overview {
        var tally = ReportTally(scope)
        try read { rows in try rows.reportRows(scope.filter, details: false) { tally.add($0) } }
        let names = try read { rows in
            try Dictionary(tally.agentIds.compactMap { id in try rows.agent(id: id).map { (id, $0.displayName) } },
                           uniquingKeysWith: { a, _ in a })
        }
        return tally.overview(agentNames: names)
    }

    /// The caller's own row of the agents table.
    public func myReport(_ scope: ReportScope, agent: Agent) throws -> ReportAnswer.Mine {
        let overview = try reportOverview(scope)
        let row = overview.agents.first { $0.agent.id == agent.id }
            ?? ReportAnswer.AgentRow(agent: .init(id: agent.id, displayName: agent.displayName), conversations: 0,
                                     firstResponseMedianSeconds: nil, resolutionMedianSeconds: nil, csatAverage: nil)
        return ReportAnswer.Mine(range: overview.range, row: row)
    }

    /// The CSV, written to `sink` in pieces of about 64 KiB as the rows are read.
    public func reportCSV(_ scope: ReportScope, _ sink: ([UInt8]) throws -> Void) throws {
        var open = scope.hours.map { OpenTime($0, from: scope.filter.from) }
        func seconds(_ from: Timestamp?, _ to: Timestamp?) -> String {
            guard let from, let to else { return "" }
            let ms = open?.milliseconds(from: from, to: to) ?? max(0, to.milliseconds - from.milliseconds)
            return String(ms / 1000)
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(70_000)
        CSV.appendRow(["id", "created_at", "status", "contact", "agent", "labels", "requested_agent_at",
                       "first_response_seconds", "resolution_seconds", "rating", "offline"], to: &buffer)
        try read { rows in
            try rows.reportRows(scope.filter, details: true) { r in
                let resolution = r.status == .closed ? seconds(r.requestedAgentAt, r.closedAt) : ""
                CSV.appendRow([r.id, r.createdAt.iso8601, r.status.rawValue, r.contact ?? "", r.agentName ?? "",
                               r.labelNames.joined(separator: "; "), r.requestedAgentAt?.iso8601 ?? "",
                               seconds(r.requestedAgentAt, r.firstResponseAt), resolution,
                               r.ratingScore.map(String.init) ?? "", r.offline ? "true" : "false"], to: &buffer)
                if buffer.count >= 65_536 {
                    try sink(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        }
        if !buffer.isEmpty { try sink(buffer) }
    }
}

/// RFC 4180 fields: CRLF line ends; a field with a comma, quote or line break quoted with
/// its quotes doubled; a field a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// tab, CR first) gets a leading `'` (OWASP "CSV injection").
public enum CSV {
    public static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func appendRow(_ fields: [String], to buffer: inout [UInt8]) {
        for (i, value) in fields.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: field(value).utf8)
        }
        buffer.append(contentsOf: [13, 10])
    }
}

/// The running totals of one report.
struct ReportTally {
    private let scope: ReportScope
    private var clock: ShopClock
    private var open: OpenTime?
    private var totals = ReportAnswer.Totals()
    private var firstResponses: [Int64] = []
    private var resolutions: [Int64] = []
    private var csat = Mean()
    private var distribution = [0, 0, 0, 0, 0]
    private var rateable = 0
    private var buckets: [(conversations: Int, escalated: Int, firstResponses: [Int64], csat: Mean)]
    private var agents: [String: (held: Int, firstResponses: [Int64], resolutions: [Int64], csat: Mean)] = [:]
    private var hours = [Int](repeating: 0, count: 7 * 24)
    /// Monday of the first week (weekly buckets).
    private let firstMonday: Int64

    init(_ scope: ReportScope) {
        self.scope = scope
        clock = ShopClock(zone: scope.zone)
        open = scope.hours.map { OpenTime($0, from: scope.filter.from) }
        firstMonday = scope.firstDay - Int64(ShopClock.weekday(ofDay: scope.firstDay) - 1)
        let lastDay = scope.firstDay + Int64(scope.dayCount) - 1
        let count = scope.weekly ? Int((lastDay - firstMonday) / 7) + 1 : scope.dayCount
        buckets = Array(repeating: (0, 0, [], Mean()), count: count)
    }

    var agentIds: [String] { Array(agents.keys) }

    private mutating func duration(_ from: Timestamp, _ to: Timestamp) -> Int64 {
        open?.milliseconds(from: from, to: to) ?? max(0, to.milliseconds - from.milliseconds)
    }

    mutating func add(_ row: ReportRow) {
        let local = clock.local(row.createdAt)
        let index = min(max(0, Int(scope.weekly ? (local.day - firstMonday) / 7 : local.day - scope.firstDay)), buckets.count - 1)
        hours[(local.weekday - 1) * 24 + local.hour] += 1
        totals.conversations += 1
        buckets[index].conversations += 1
        if row.botResolved(at: scope.now) { totals.botResolved += 1 }
        if row.offline { totals.offlineMessages += 1 }
        if row.status == .closed { totals.closed += 1 }
        if row.rateable { rateable += 1 }
        if let holder = row.agentId { agents[holder, default: (0, [], [], Mean())].held += 1 }
        if let requested = row.requestedAgentAt {
            totals.escalated += 1
            buckets[index].escalated += 1
            if let answered = row.firstResponseAt {
                let wait = duration(requested, answered)
                firstResponses.append(wait)
                buckets[index].firstResponses.append(wait)
                if let author = row.firstResponseAgentId { agents[author, default: (0, [], [], Mean())].firstResponses.append(wait) }
            }
            if row.status == .closed, let closed = row.closedAt {
                let took = duration(requested, closed)
                resolutions.append(took)
                if let holder = row.agentId { agents[holder]?.resolutions.append(took) }
            }
        }
        if let score = row.ratingScore, Rating.scores.contains(score) {
            csat.add(score)
            distribution[score - 1] += 1
            buckets[index].csat.add(score)
            if let holder = row.agentId { agents[holder]?.csat.add(score) }
        }
    }

    func overview(agentNames: [String: String]) -> ReportAnswer.Overview {
        let series = buckets.enumerated().map { i, b in
            ReportAnswer.Bucket(start: ShopClock.dateString(ofDay: scope.weekly ? firstMonday + Int64(i) * 7 : scope.firstDay + Int64(i)),
                                conversations: b.conversations, escalated: b.escalated,
                                firstResponseMedianSeconds: NearestRank.seconds(b.firstResponses).median, csatAverage: b.csat.value)
        }
        let rows = agents.map { id, a in
            ReportAnswer.AgentRow(agent: .init(id: id, displayName: agentNames[id] ?? ""), conversations: a.held,
                                  firstResponseMedianSeconds: NearestRank.seconds(a.firstResponses).median,
                                  resolutionMedianSeconds: NearestRank.seconds(a.resolutions).median, csatAverage: a.csat.value)
        }.sorted { ($1.conversations, $0.agent.displayName, $0.agent.id) < ($0.conversations, $1.agent.displayName, $1.agent.id) }
        let cells = hours.enumerated().map { i, n in [i / 24 + 1, i % 24, n] }
        let rate = rateable == 0 ? nil : Mean.twoDecimals(Double(csat.count) / Double(rateable))
        return ReportAnswer.Overview(range: scope.range, totals: totals, firstResponse: .init(milliseconds: firstResponses),
                                     resolution: .init(milliseconds: resolutions),
                                     csat: .init(average: csat.value, count: csat.count, distribution: distribution, responseRate: rate),
                                     series: series, agents: rows, busiestHours: cells)
    }
}
