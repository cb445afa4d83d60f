import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Opening hours in the shop's zone, across daylight-saving changes, midnight and holidays.
struct BusinessHoursTests {
    /// Seconds since 1970 of a UTC wall-clock time.
    static func utc(_ text: String) -> Date {
        Date(timeIntervalSince1970: Double(Timestamp(iso8601: text)!.milliseconds) / 1000)
    }

    static func hours(_ zone: String, _ week: [String: [[String]]], closed: [String] = []) -> BusinessHours {
        BusinessHours(AvailabilitySettings(timezone: zone, hours: week, closedDates: closed))!
    }

    @Test func nineToFiveStaysNineToFiveAcrossTheSpringChangeInBerlin() {
        // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST. 09:00 local is 07:00 UTC that day, 08:00 UTC the day before.
        let h = Self.hours("Europe/Berlin", ["sat": [["09:00", "17:00"]], "sun": [["09:00", "17:00"]]])
        #expect(h.isOpen(at: Self.utc("2026-03-28T08:00:00Z")))   // Sat 09:00 CET
        #expect(!h.isOpen(at: Self.utc("2026-03-28T07:59:00Z")))
        #expect(h.isOpen(at: Self.utc("2026-03-29T07:00:00Z")))   // Sun 09:00 CEST
        #expect(!h.isOpen(at: Self.utc("2026-03-29T06:59:00Z")))
        #expect(!h.isOpen(at: Self.utc("2026-03-29T15:00:00Z")))  // Sun 17:00 CEST: closed
        #expect(h.nextOpening(after: Self.utc("2026-03-29T05:00:00Z")) == Self.utc("2026-03-29T07:00:00Z"))
    }

    @Test func theAutumnChangeInNewYorkAndAGapThatSkipsTheOpening() {
        // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST.
        let h = Self.hours("America/New_York", ["sun": [["08:00", "12:00"]], "mar": []].filter { $0.key != "mar" })
        #expect(h.isOpen(at: Self.utc("2026-11-01T13:00:00Z")))   // 08:00 EST
        #expect(!h.isOpen(at: Self.utc("2026-11-01T12:30:00Z")))  // 07:30 EST
        #expect(h.nextOpening(after: Self.utc("2026-11-01T06:30:00Z")) == Self.utc("2026-11-01T13:00:00Z"))
        // An opening at 02:30 on the spring-forward night (2026-03-08) does not exist: it opens at 03:00 EDT.
        let night = Self.hours("America/New_York", ["sun": [["02:30", "05:00"]]])
        #expect(night.nextOpening(after: Self.utc("2026-03-08T05:00:00Z")) == Self.utc("2026-03-08T07:00:00Z"))
    }

    @Test func rangesPastMidnightBelongToTheDayTheyStartAndHolidaysClose() {
        let h = Self.hours("UTC", ["fri": [["22:00", "02:00"]]], closed: ["2026-12-25"])
        #expect(h.isOpen(at: Self.utc("2026-12-04T23:30:00Z")))   // Friday night
        #expect(h.isOpen(at: Self.utc("2026-12-05T01:59:00Z")))   // early Saturday, Friday's range
        #expect(!h.isOpen(at: Self.utc("2026-12-05T02:00:00Z")))
        #expect(!h.isOpen(at: Self.utc("2026-12-25T23:00:00Z")))  // Christmas is a Friday: closed
        #expect(!h.isOpen(at: Self.utc("2026-12-26T01:00:00Z")))  // and so its range past midnight
        #expect(h.nextOpening(after: Self.utc("2026-12-25T12:00:00Z")) == Self.utc("2027-01-01T22:00:00Z"))
    }

    /// Open around the clock (no hours) still closes for a whole closed date in the shop's zone.
    @Test func aClosedDateClosesTheShopWithNoHoursToo() {
        let h = Self.hours("Europe/Berlin", [:], closed: ["2026-12-25"])
        #expect(h.isOpen(at: Self.utc("2026-12-24T22:59:00Z")))   // 23:59 on the 24th in Berlin
        #expect(!h.isOpen(at: Self.utc("2026-12-24T23:00:00Z")))  // midnight: the 25th
        #expect(!h.isOpen(at: Self.utc("2026-12-25T22:59:00Z")))
        #expect(h.isOpen(at: Self.utc("2026-12-25T23:00:00Z")))   // the 26th
        #expect(h.nextOpening(after: Self.utc("2026-12-25T12:00:00Z")) == Self.utc("2026-12-25T23:00:00Z"))
        #expect(h.nextOpening(after: Self.utc("2026-12-24T12:00:00Z")) == nil)
    }

    @Test func noHoursIsAlwaysOpenAndBadSettingsAreRefused() throws {
        #expect(Self.hours("Asia/Tokyo", [:]).isOpen(at: Date()))
        #expect(BusinessHours(AvailabilitySettings(timezone: "Mars/Olympus")) == nil)
        for bad in [#"{"availability":{"hours":{"monday":[["09:00","17:00"]]}}}"#, #"{"availability":{"hours":{"mon":[["9:00","17:00"]]}}}"#,
                    #"{"availability":{"hours":{"mon":[["09:00","09:00"]]}}}"#, #"{"availability":{"closed_dates":["2026-02-30"]}}"#,
                    #"{"availability":{"prechat":"always"}}"#, #"{"notify_email":"shop"}"#] {
            #expect(throws: AppError.self, "\(bad)") { try WireJSON.decode(SettingsPatch.self, from: bad).applied(to: .defaults) }
        }
    }

    @Test(arguments: Engine.allCases) func widgetConfigSaysOnlineAwayOrClosed(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        let monday10 = Timestamp(iso8601: "2026-11-30T10:00:00Z")!  // a Monday, UTC
        #expect(try service.widgetConfig(at: monday10).availability.status == .away) // nobody online
        _ = try desk.agent("alex", online: true)
        let online = try service.widgetConfig(at: monday10).availability
        #expect(online.status == .online && online.agentsOnline == 1 && online.nextOpenAt == nil)
        let patch = try WireJSON.decode(SettingsPatch.self, from: #"{"availability":{"timezone":"UTC","hours":{"mon":[["09:00","17:00"]]}}}"#)
        _ = try service.updateSettings(patch, by: .cli)
        let evening = try service.widgetConfig(at: Timestamp(iso8601: "2026-11-30T18:00:00Z")!).availability
        #expect(evening.status == .closed)
        #expect(evening.nextOpenAt == Timestamp(iso8601: "2026-12-07T09:00:00Z"))
        #expect(throws: AppError.self) {
            try service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: #"{"availability":{"timezone":"Nowhere/City"}}"#), by: .cli)
        }
    }

    /// No hours set, an agent online: the widget says `online` every day but a closed date.
    @Test(arguments: Engine.allCases) func aClosedDateWithNoHoursSaysClosed(_ engine: Engine) throws {
        let desk = try Desk(engine)
        _ = try desk.agent("alex", online: true)
        let patch = try WireJSON.decode(SettingsPatch.self, from: #"{"availability":{"timezone":"UTC","closed_dates":["2026-12-25"]}}"#)
        _ = try desk.service.updateSettings(patch, by: .cli)
        #expect(try desk.service.widgetConfig(at: Timestamp(iso8601: "2026-12-24T10:00:00Z")!).availability.status == .online)
        let christmas = try desk.service.widgetConfig(at: Timestamp(iso8601: "2026-12-25T10:00:00Z")!).availability
        #expect(christmas.status == .closed)
        #expect(christmas.nextOpenAt == Timestamp(iso8601: "2026-12-26T00:00:00Z"))
    }

    @Test(arguments: Engine.allCases) func theTypicalReplyTimeIsTheMedianOfTheLastWeek(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let service = desk.service
        #expect(try service.availability().typicalReplySeconds == nil) // no data
        let alex = try desk.agent("alex")
        for _ in 0..<3 {
            let (chat, _) = try desk.queued()
            _ = try service.agentSend(chat.id, by: alex, content: "Hi", clientMessageId: nil)
        }
        let seconds = try #require(try service.availability().typicalReplySeconds)
        #expect(seconds >= 0 && seconds < 60)
    }
}
