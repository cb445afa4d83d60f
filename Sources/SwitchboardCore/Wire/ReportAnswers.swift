/// `GET /admin/reports/overview` and `GET /agent/reports/me` (API.md "Reports").
public enum ReportAnswer {
    public struct Range: Codable, Equatable, Sendable {
        public var from: String
        public var to: String
        public var timezone: String
        public var interval: String
        public var businessHours: Bool
        public init(from: String, to: String, timezone: String, interval: String, businessHours: Bool) {
            self.from = from
            self.to = to
            self.timezone = timezone
            self.interval = interval
            self.businessHours = businessHours
        }
        enum CodingKeys: String, CodingKey { case from, to, timezone, interval, businessHours = "business_hours" }
    }

    public struct Totals: Codable, Equatable, Sendable {
        public var conversations = 0, botResolved = 0, escalated = 0, offlineMessages = 0, closed = 0
        public init() {}
        enum CodingKeys: String, CodingKey {
            case conversations, botResolved = "bot_resolved", escalated, offlineMessages = "offline_messages", closed
        }
    }

    public struct Durations: Codable, Equatable, Sendable {
        public var medianSeconds: Int?
        public var p90Seconds: Int?
        public var count: Int
        public init(milliseconds: [Int64]) {
            (medianSeconds, p90Seconds) = NearestRank.seconds(milliseconds)
            count = milliseconds.count
        }
        enum CodingKeys: String, CodingKey { case medianSeconds = "median_seconds", p90Seconds = "p90_seconds", count }
    }

    public struct Csat: Codable, Equatable, Sendable {
        public var average: Double?
        public var count: Int
        public var distribution: [Int]
        public var responseRate: Double?
        public init(average: Double?, count: Int, distribution: [Int], responseRate: Double?) {
            self.average = average
            self.count = count
            self.distribution = distribution
            self.responseRate = responseRate
        }
        enum CodingKeys: String, CodingKey { case average, count, distribution, responseRate = "response_rate" }
    }

    public struct Bucket: Codable, Equatable, Sendable {
        /// The day (or the week's Monday) in shop time, `YYYY-MM-DD`.
        public var start: String
        public var conversations: Int
        public var escalated: Int
        public var firstResponseMedianSeconds: Int?
        public var csatAverage: Double?
        public init(start: String, conversations: Int, escalated: Int, firstResponseMedianSeconds: Int?, csatAverage: Double?) {
            self.start = start
            self.conversations = conversations
            self.escalated = escalated
            self.firstResponseMedianSeconds = firstResponseMedianSeconds
            self.csatAverage = csatAverage
        }
        enum CodingKeys: String, CodingKey {
            case start, conversations, escalated, firstResponseMedianSeconds = "first_response_median_seconds"
            case csatAverage = "csat_average"
        }
    }

    /// An agent by id and name: the same `{id, display_name}` as `agent.assigned` names.
    public typealias AgentRef = AssignedAgent

    public struct AgentRow: Codable, Equatable, Sendable {
        public var agent: AgentRef
        public var conversations: Int
        public var firstResponseMedianSeconds: Int?
        public var resolutionMedianSeconds: Int?
        public var csatAverage: Double?
        public init(agent: AgentRef, conversations: Int, firstResponseMedianSeconds: Int?, resolutionMedianSeconds: Int?,
                    csatAverage: Double?) {
            self.agent = agent
            self.conversations = conversations
            self.firstResponseMedianSeconds = firstResponseMedianSeconds
            self.resolutionMedianSeconds = resolutionMedianSeconds
            self.csatAverage = csatAverage
        }
        enum CodingKeys: String, CodingKey {
            case agent, conversations, firstResponseMedianSeconds = "first_response_median_seconds"
            case resolutionMedianSeconds = "resolution_median_seconds", csatAverage = "csat_average"
        }
    }

    public struct Overview: Codable, Equatable, Sendable {
        public var range: Range
        public var totals: Totals
        public var firstResponse: Durations
        public var resolution: Durations
        public var csat: Csat
        public var series: [Bucket]
        public var agents: [AgentRow]
        /// `[weekday 1–7 (Monday first), hour 0–23, conversations]`, 168 cells.
        public var busiestHours: [[Int]]
        public init(range: Range, totals: Totals, firstResponse: Durations, resolution: Durations, csat: Csat,
                    series: [Bucket], agents: [AgentRow], busiestHours: [[Int]]) {
            self.range = range
            self.totals = totals
            self.firstResponse = firstResponse
            self.resolution = resolution
            self.csat = csat
            self.series = series
            self.agents = agents
            self.busiestHours = busiestHours
        }
        enum CodingKeys: String, CodingKey {
            case range, totals, firstResponse = "first_response", resolution, csat, series, agents
            case busiestHours = "busiest_hours"
        }
    }

    /// An agent's own row, with the range.
    public struct Mine: Codable, Equatable, Sendable {
        public var range: Range
        public var agent: AgentRef
        public var conversations: Int
        public var firstResponseMedianSeconds: Int?
        public var resolutionMedianSeconds: Int?
        public var csatAverage: Double?
        public init(range: Range, row: AgentRow) {
            self.range = range
            agent = row.agent
            conversations = row.conversations
            firstResponseMedianSeconds = row.firstResponseMedianSeconds
            resolutionMedianSeconds = row.resolutionMedianSeconds
            csatAverage = row.csatAverage
        }
        enum CodingKeys: String, CodingKey {
            case range, agent, conversations, firstResponseMedianSeconds = "first_response_median_seconds"
            case resolutionMedianSeconds = "resolution_median_seconds", csatAverage = "csat_average"
        }
    }
}
