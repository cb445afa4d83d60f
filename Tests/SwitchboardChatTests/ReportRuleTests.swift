import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// The reports' statistics and definitions (API.md "Reports"), and the rating rules.
struct ReportStatisticsTests {
    @Test func nearestRankOnZeroOneOddAndEvenCounts() {
        #expect(NearestRank.value([Int](), 0.5) == nil)
        #expect(NearestRank.value([7], 0.5) == 7 && NearestRank.value([7], 0.9) == 7)
        #expect(NearestRank.value([1, 2, 3, 4, 5], 0.5) == 3)
        // Even: the lower middle (rank ⌈0.5·4⌉ = 2), never the mean 2.5.
        #expect(NearestRank.value([1, 2, 3, 4], 0.5) == 2 && NearestRank.value([1, 2, 3, 4], 0.9) == 4)
        #expect(NearestRank.value(Array(1...10), 0.9) == 9 && NearestRank.value(Array(1...11), 0.9) == 10)
        // Durations in milliseconds, any order, as whole seconds rounded down.
        let (median, p90) = NearestRank.seconds([9_999, 1_500, 120_000, 61_999])
        #expect(median == 9 && p90 == 120)
        #expect(NearestRank.seconds([]).median == nil)
    }

    static func t(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

    static func open(_ zone: String, _ week: [String: [[String]]], closed: [String] = [],
                     _ from: String, _ to: String) -> Int64 {
        let hours = BusinessHours(AvailabilitySettings(timezone: zone, hours: week, closedDates: closed))!
        var open = OpenTime(hours, from: t(from))
        return open.milliseconds(from: t(from), to: t(to)) / 1000
    }

    static let weekdays = ["mon", "tue", "wed", "thu", "fri"].reduce(into: [String: [[String]]]()) { $0[$1] = [["09:00", "18:00"]] }

    @Test func businessTimeSkipsNightsWeekendsAndClosedDates() {
        // Friday 2026-12-04 17:55 → Monday 09:05: 5 minutes on Friday, 5 on Monday.
        #expect(Self.open("UTC", Self.weekdays, "2026-12-04T17:55:00Z", "2026-12-07T09:05:00Z") == 600)
        // A night: Tuesday 17:00 → Wednesday 10:00 is 1 h + 1 h.
        #expect(Self.open("UTC", Self.weekdays, "2026-12-08T17:00:00Z", "2026-12-09T10:00:00Z") == 7_200)
        // Entirely outside the hours: nothing.
        #expect(Self.open("UTC", Self.weekdays, "2026-12-05T10:00:00Z", "2026-12-06T20:00:00Z") == 0)
        // A closed date closes its whole day: Thursday 2026-12-24 closed, Wed 17:00 → Fri 10:00 is 1 h + 1 h.
        #expect(Self.open("UTC", Self.weekdays, closed: ["2026-12-24"], "2026-12-23T17:00:00Z", "2026-12-25T10:00:00Z") == 7_200)
        // Hours in the shop's zone: Berlin 09:00–18:00 is 08:00–17:00 UTC in winter.
        #expect(Self.open("Europe/Berlin", Self.weekdays, "2026-12-07T07:00:00Z", "2026-12-07T09:00:00Z") == 3_600)
        // A range past midnight belongs to the day it starts (Friday 22:00–02:00).
        #expect(Self.open("UTC", ["fri": [["22:00", "02:00"]]], "2026-12-04T21:00:00Z", "2026-12-05T03:00:00Z") == 14_400)
        // Reversed or empty spans are zero, never negative.
        #expect(Self.open("UTC", Self.weekdays, "2026-12-07T12:00:00Z", "2026-12-07T11:00:00Z") == 0)
    }

    @Test func businessTimeFollowsDaylightSavingChanges() {
        let allDaySunday = ["sun": [["00:00", "24:00"]]]
        // Berlin, 2026-03-29: the Sunday has 23 hours; 2026-10-25: 25 hours.
        #expect(Self.open("Europe/Berlin", allDaySunday, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z") == 23 * 3600)
        #expect(Self.open("Europe/Berlin", allDaySunday, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z") == 25 * 3600)
        // 09:00–18:00 stays 9 hours on the day the clocks move (Sunday hours in Berlin).
        #expect(Self.open("Europe/Berlin", ["sun": [["09:00", "18:00"]]], "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z") == 9 * 3600)
        // No hours at all: open around the clock except closed dates.
        #expect(Self.open("UTC", [:], closed: ["2026-12-25"], "2026-12-24T12:00:00Z", "2026-12-26T12:00:00Z") == 24 * 3600)
    }

    @Test func aDateIsFourTwoAndTwoDigitsOfARealDay() {
        #expect(Timestamp.civilDate("2024-02-29")! == (2024, 2, 29))
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "2026--1-25", "+202-01-01", "2026-1-015", "2026/01/15", "", "20260115xx"] {
            #expect(Timestamp.civilDate(bad) == nil, "\(bad)")
        }
    }

    @Test func csvFieldsAreQuotedAndNeverFormulas() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a, b") == "\"a, b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSV.field("+1") == "'+1" && CSV.field("-2") == "'-2" && CSV.field("@sum") == "'@sum")
        var row: [UInt8] = []
        CSV.appendRow(["a", "b,c", ""], to: &row)
        #expect(String(decoding: row, as: UTF8.self) == "a,\"b,c\",\r\n")
    }
}

struct ReportRuleTests {
    static let admin = AuditEntry.Actor(id: nil, username: "cli")

    /// JSON Lines as the CLI reads them.
    static func lines(_ objects: [String]) throws -> [(number: Int, item: ImportedConversation)] {
        try objects.enumerated().map { ($0.offset + 1, try JSONDecoder().decode(ImportedConversation.self, from: Data($0.element.utf8))) }
    }

    @Test(arguments: Engine.allCases) func firstResponseRunsFromTheRequestForAPersonNotFromTheBot(_ engine: Engine) throws {
        let desk = try Desk(engine)
        _ = try desk.agent("alex")
        _ = try desk.agent("sam")
        _ = try desk.service.createLabel(LabelInput(name: "Refund", color: "#d97706"), by: Self.admin)
        let report = try desk.service.importConversations(try Self.lines([
            // The bot answered at once; a person was asked at 10:02 and Alex answered at 10:06: 4 minutes, not 6.
            #"{"created_at": "2026-11-02T10:00:00Z", "requested_agent_at": "2026-11-02T10:02:00Z", "agent": "alex", "closed_at": "2026-11-02T10:30:00Z", "labels": ["refund"], "rating": {"score": 4, "at": "2026-11-02T10:31:00Z"}, "messages": [{"sender": "bot", "content": "Hi!", "at": "2026-11-02T10:00:00Z"}, {"sender": "customer", "content": "refund?", "at": "2026-11-02T10:01:00Z"}, {"sender": "agent", "agent": "alex", "content": "Sure.", "at": "2026-11-02T10:06:00Z"}]}"#,
            // Transferred: Alex answered first (2 min), Sam held it at the close.
            #"{"created_at": "2026-11-02T11:00:00Z", "requested_agent_at": "2026-11-02T11:00:00Z", "agent": "sam", "closed_at": "2026-11-02T12:00:00Z", "messages": [{"sender": "agent", "agent": "alex", "content": "One moment.", "at": "2026-11-02T11:02:00Z"}, {"sender": "agent", "agent": "sam", "content": "Done.", "at": "2026-11-02T11:20:00Z"}]}"#,
            // The bot resolved it alone.
            #"{"created_at": "2026-11-03T09:00:00Z", "closed_at": "2026-11-03T09:05:00Z", "messages": [{"sender": "bot", "content": "Hi!", "at": "2026-11-03T09:00:00Z"}]}"#,
            // Escalated, filed offline, never answered.
            #"{"created_at": "2026-11-03T22:00:00Z", "requested_agent_at": "2026-11-03T22:01:00Z", "closed_at": "2026-11-04T08:00:00Z", "offline": true}"#,
        ]), at: Self.t("2026-12-01T00:00:00Z"))
        #expect(report.imported == 4 && report.skipped == 0)
        // History is nobody's unread.
        let alex = try #require(try desk.service.team().first { $0.agent.username == "alex" }?.agent)
        var closed = ConversationQuery(status: .closed, assigned: .anyone, order: .recentActivity, limit: 10)
        closed.viewer = alex.id
        #expect(try desk.service.conversations(closed).items.allSatisfy { $0.unreadCount == 0 })

        let scope = try desk.service.reportScope(ReportParameters(from: "2026-11-01", to: "2026-11-07"), at: Self.t("2026-12-01T00:00:00Z"))
        let overview = try desk.service.reportOverview(scope)
        #expect(overview.totals.conversations == 4 && overview.totals.botResolved == 1 && overview.totals.escalated == 3)
        #expect(overview.totals.offlineMessages == 1 && overview.totals.closed == 4)
        #expect(overview.firstResponse.count == 2 && overview.firstResponse.medianSeconds == 120 && overview.firstResponse.p90Seconds == 240)
        // Resolution: 28 min, 60 min, and the offline one 9 h 59 min.
        #expect(overview.resolution.count == 3 && overview.resolution.medianSeconds == 3600 && overview.resolution.p90Seconds == 35_940)
        #expect(overview.csat.count == 1 && overview.csat.average == 4 && overview.csat.distribution == [0, 0, 0, 1, 0])
        #expect(overview.csat.responseRate == 0.5)  // two closed chats an agent wrote in, one rated
        #expect(overview.series.count == 7 && overview.series[1].start == "2026-11-02" && overview.series[1].conversations == 2)
        #expect(overview.series[1].firstResponseMedianSeconds == 120 && overview.series[0].conversations == 0)
        let byName = Dictionary(uniqueKeysWithValues: overview.agents.map { ($0.agent.displayName, $0) })
        #expect(byName["Alex"]?.conversations == 1 && byName["Alex"]?.firstResponseMedianSeconds == 120)
        #expect(byName["Sam"]?.conversations == 1 && byName["Sam"]?.firstResponseMedianSeconds == nil)
        #expect(byName["Sam"]?.resolutionMedianSeconds == 3600 && byName["Alex"]?.csatAverage == 4)
        // Monday 2026-11-02 10:00 and 11:00 UTC.
        #expect(overview.busiestHours.count == 168 && overview.busiestHours[10] == [1, 10, 1] && overview.busiestHours[11] == [1, 11, 1])

        // Filters: the label, and an agent (held or first answered).
        let labelled = try desk.service.reportOverview(try desk.service.reportScope(
            ReportParameters(from: "2026-11-01", to: "2026-11-07", labelId: try desk.service.labels()[0].id)))
        #expect(labelled.totals.conversations == 1)
        let alexId = byName["Alex"]!.agent.id
        let alexOnly = try desk.service.reportOverview(try desk.service.reportScope(
            ReportParameters(from: "2026-11-01", to: "2026-11-07", agentId: alexId)))
        #expect(alexOnly.totals.conversations == 2)
        // Weeks start on Monday: 2026-11-01 is a Sunday.
        let weekly = try desk.service.reportOverview(try desk.service.reportScope(
            ReportParameters(from: "2026-11-01", to: "2026-11-07", interval: "week")))
        #expect(weekly.series.map(\.start) == ["2026-10-26", "2026-11-02"] && weekly.series.map(\.conversations) == [0, 4])

        // The CSV: a header and one row per conversation.
        let sink = Sink()
        try desk.service.reportCSV(scope) { sink.bytes += $0 }
        let rows = String(decoding: sink.bytes, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 5 && rows[0].hasPrefix("id,created_at,status,contact,agent,labels,"))
        #expect(rows[1].contains(",Alex,Refund,2026-11-02T10:02:00.000Z,240,1680,4,false"))

        // Bad parameters.
        refused("invalid_date") { _ = try desk.service.reportScope(ReportParameters(from: "2026-02-30")) }
        refused("invalid_range") { _ = try desk.service.reportScope(ReportParameters(from: "2026-11-07", to: "2026-11-01")) }
        refused("invalid_range") { _ = try desk.service.reportScope(ReportParameters(from: "2025-01-01", to: "2026-11-01")) }
        refused("invalid_interval") { _ = try desk.service.reportScope(ReportParameters(interval: "month")) }
        refused("invalid_business_hours") { _ = try desk.service.reportScope(ReportParameters(businessHours: "yes")) }
        refused("label_not_found") { _ = try desk.service.reportScope(ReportParameters(labelId: "nope")) }
        refused("agent_not_found") { _ = try desk.service.reportScope(ReportParameters(agentId: "nope")) }
    }

    @Test(arguments: Engine.allCases) func aBadLineImportsNothingAndARerunSkips(_ engine: Engine) throws {
        let desk = try Desk(engine)
        _ = try desk.agent("alex")
        let good = #"{"id": "6f1c1f0e-8d2a-4c55-9b0e-0d1f6a1d2b3c", "created_at": "2026-11-02T10:00:00Z", "closed_at": "2026-11-02T10:05:00Z"}"#
        let now = Self.t("2026-12-01T00:00:00Z")
        do {
            _ = try desk.service.importConversations(try Self.lines([
                good,
                #"{"created_at": "2026-11-02T10:00:00Z", "closed_at": "2026-11-02T09:00:00Z"}"#,
                #"{"created_at": "2026-11-02T10:00:00Z", "closed_at": "2026-11-02T10:05:00Z", "agent": "nobody", "requested_agent_at": "2026-11-02T10:01:00Z"}"#,
                #"{"created_at": "2026-11-02T10:00:00Z"}"#,
            ]), at: now)
            Issue.record("a bad file was imported")
        } catch let error as AppError {
            #expect(error.code == "invalid_import")
            #expect(error.detail.contains("line 2:") && error.detail.contains("line 3:") && error.detail.contains("line 4:"))
            #expect(!error.detail.contains("line 1:"))
        }
        let empty = try desk.service.reportOverview(try desk.service.reportScope(ReportParameters(from: "2026-11-01", to: "2026-11-07")))
        #expect(empty.totals.conversations == 0)
        #expect(try desk.service.importConversations(try Self.lines([good]), at: now).imported == 1)
        let again = try desk.service.importConversations(try Self.lines([good]), at: now)
        #expect(again.imported == 0 && again.skipped == 1)
    }

    @Test(arguments: Engine.allCases) func aLiveChatsFirstResponseIsItsFirstAgentReplyAfterTheRequest(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let sam = try desk.agent("sam")
        let (chat, _) = try desk.queued()
        _ = try desk.service.claim(chat.id, by: alex)
        _ = try desk.service.agentSend(chat.id, by: alex, content: "Hello, Alex here.", clientMessageId: nil)
        _ = try desk.service.transfer(chat.id, by: alex, to: .agent(sam.id), note: nil, force: true)
        _ = try desk.service.agentSend(chat.id, by: sam, content: "Sam now.", clientMessageId: nil)
        _ = try desk.service.close(chat.id, by: sam)
        let overview = try desk.service.reportOverview(try desk.service.reportScope(ReportParameters()))
        #expect(overview.totals.conversations == 1 && overview.firstResponse.count == 1 && overview.resolution.count == 1)
        let alexRow = overview.agents.first { $0.agent.id == alex.id }, samRow = overview.agents.first { $0.agent.id == sam.id }
        #expect(alexRow?.conversations == 0 && alexRow?.firstResponseMedianSeconds != nil)
        #expect(samRow?.conversations == 1 && samRow?.firstResponseMedianSeconds == nil && samRow?.resolutionMedianSeconds != nil)
        let mine = try desk.service.myReport(try desk.service.reportScope(ReportParameters(), agentId: sam.id), agent: sam)
        #expect(mine.agent.id == sam.id && mine.conversations == 1)
    }

    @Test(arguments: Engine.allCases) func ratingsComeAfterAPersonAnsweredOncePerClosing(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let alex = try desk.agent("alex")
        let (chat, session) = try desk.queued()
        refused("not_closed") { _ = try desk.service.rate(chat.id, sessionId: session, score: 5, comment: nil) }
        _ = try desk.service.claim(chat.id, by: alex)
        _ = try desk.service.agentSend(chat.id, by: alex, content: "Hi", clientMessageId: nil)
        _ = try desk.service.close(chat.id, by: alex)
        let closedEvent = try desk.log.events(after: 0, conversationId: nil, limit: 500).last { $0.name == "chat.closed" }
        #expect(closedEvent?.data.contains("\"can_rate\":true") == true)
        var view = try desk.service.conversation(chat.id, access: .customer(sessionId: session))
        #expect(view.canRate && view.rating == nil)

        refused("invalid_rating") { _ = try desk.service.rate(chat.id, sessionId: session, score: 6, comment: nil) }
        refused("invalid_rating") { _ = try desk.service.rate(chat.id, sessionId: session, score: 0, comment: nil) }
        refused("invalid_rating") {
            _ = try desk.service.rate(chat.id, sessionId: session, score: 3, comment: String(repeating: "x", count: 1001))
        }
        let cursor = try desk.log.events(after: 0, conversationId: nil, limit: 500).last?.id ?? 0
        let rating = try desk.service.rate(chat.id, sessionId: session, score: 4, comment: "  Quick, thanks  ")
        #expect(rating.score == 4 && rating.comment == "Quick, thanks")
        let events = try desk.log.events(after: cursor, conversationId: nil, limit: 10)
        #expect(events.map(\.name) == ["conversation.rated"] && events.first?.audience == .agents)
        refused("already_rated") { _ = try desk.service.rate(chat.id, sessionId: session, score: 1, comment: nil) }
        view = try desk.service.conversation(chat.id, access: .customer(sessionId: session))
        #expect(!view.canRate && view.rating == rating)
        #expect(try desk.service.agentConversation(chat.id, by: alex).conversation.rating == rating)
        refused("not_your_conversation") { _ = try desk.service.rate(chat.id, sessionId: "someone-else", score: 5, comment: nil) }
        // An erased contact's rating (its comment is theirs) goes with them.
        #expect(try desk.service.reportOverview(try desk.service.reportScope(ReportParameters())).csat.count == 1)
        try desk.service.eraseContact(try desk.service.agentConversation(chat.id, by: alex).conversation.contactId, by: Self.admin)
        #expect(try desk.service.reportOverview(try desk.service.reportScope(ReportParameters())).csat.count == 0)

        // A chat no agent wrote in is not asked; ratings switched off refuse.
        let (botOnly, botSession) = try desk.queued()
        _ = try desk.service.claim(botOnly.id, by: alex)
        _ = try desk.service.close(botOnly.id, by: alex)
        #expect(try !desk.service.conversation(botOnly.id, access: .customer(sessionId: botSession)).canRate)
        refused("not_rateable") { _ = try desk.service.rate(botOnly.id, sessionId: botSession, score: 5, comment: nil) }
        _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: Array(#"{"csat": {"enabled": false}}"#.utf8)),
                                            by: Self.admin)
        refused("ratings_disabled") { _ = try desk.service.rate(botOnly.id, sessionId: botSession, score: 5, comment: nil) }
        refused("invalid_settings") {
            _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: Array(#"{"csat": {"question": ""}}"#.utf8)),
                                                by: Self.admin)
        }
    }

    @Test(arguments: Engine.allCases) func rangesFarFromTodayCostNothingAndNeverCrash(_ engine: Engine) throws {
        let desk = try Desk(engine)
        _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: Array(
            #"{"availability": {"hours": {"mon": [["09:00", "18:00"]]}, "timezone": "Europe/Berlin"}}"#.utf8)), by: Self.admin)
        // A range in the future, and one 2,000 years back: empty, quick, no layout of the days between.
        for (from, to) in [("2099-01-01", "2099-01-02"), ("0001-01-01", "0002-02-04")] {
            let overview = try desk.service.reportOverview(try desk.service.reportScope(
                ReportParameters(from: from, to: to, businessHours: "true")))
            #expect(overview.totals.conversations == 0 && overview.firstResponse.medianSeconds == nil)
        }
    }

    @Test(arguments: Engine.allCases) func aChatTheBotHandlesCountsAsResolvedOnceTheShopperLeft(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "Where is my parcel?")
        let now = Timestamp.now()
        let fresh = try desk.service.reportOverview(try desk.service.reportScope(ReportParameters(), at: now))
        #expect(fresh.totals.conversations == 1 && fresh.totals.botResolved == 0)
        // An hour later nobody has asked for a person, and nothing closes a chat the bot handles.
        let later = try desk.service.reportOverview(try desk.service.reportScope(ReportParameters(), at: now.adding(seconds: 3700)))
        #expect(later.totals.botResolved == 1 && later.totals.escalated == 0 && later.totals.closed == 0)
    }

    @Test(arguments: Engine.allCases) func hoursFollowZonesThatMoveTheirClocksAtHalfPast(_ engine: Engine) throws {
        let desk = try Desk(engine)
        _ = try desk.service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: Array(
            #"{"availability": {"timezone": "Australia/Adelaide"}}"#.utf8)), by: Self.admin)
        // Adelaide moved from +09:30 to +10:30 at 16:30 UTC on 2025-10-04: 16:45 UTC is 03:15 on Sunday the 5th.
        _ = try desk.service.importConversations(try Self.lines([
            #"{"created_at": "2025-10-04T16:45:00Z", "closed_at": "2025-10-04T17:00:00Z"}"#,
        ]), at: Self.t("2026-01-01T00:00:00Z"))
        let overview = try desk.service.reportOverview(try desk.service.reportScope(ReportParameters(from: "2025-10-05", to: "2025-10-05")))
        #expect(overview.totals.conversations == 1)
        #expect(overview.busiestHours.filter { $0[2] > 0 } == [[7, 3, 1]])
    }

    static func t(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }
}

/// Collects a streamed body (a class: the stream's closure cannot capture an inout).
private final class Sink: @unchecked Sendable {
    var bytes: [UInt8] = []
}
