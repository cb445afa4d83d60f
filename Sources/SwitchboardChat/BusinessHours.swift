import Foundation
import SwitchboardCore

/// The shop's opening hours in its own time zone (IANA, from the system's zone database),
/// correct across daylight-saving changes: a range is local wall-clock time, so 09:00–17:00
/// stays 09:00–17:00 on the days the clocks move. A range past midnight (22:00–02:00)
/// belongs to the day it starts; a closed date closes the ranges that start on it.
public struct BusinessHours: Sendable {
    let calendar: Calendar
    let ranges: [Int: [(start: Int, end: Int)]]
    let closedDates: Set<String>

    /// nil when the time zone is unknown.
    public init?(_ settings: AvailabilitySettings) {
        guard let zone = TimeZone(identifier: settings.timezone), let ranges = try? settings.ranges() else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
        self.ranges = ranges
        self.closedDates = Set(settings.closedDates)
    }

    /// No hours at all: open around the clock, except on closed dates.
    public var alwaysOpen: Bool { ranges.values.allSatisfy(\.isEmpty) }

    /// Whether the shop is open at `instant`. A closed date closes the whole day, with or
    /// without hours.
    public func isOpen(at instant: Date) -> Bool {
        let now = local(instant)
        if alwaysOpen { return !closedDates.contains(now.date) }
        // Ranges of today that started, and yesterday's that run past midnight.
        for (dayOffset, minuteOfDay) in [(0, now.minute), (-1, now.minute + 24 * 60)] {
            let day = calendar.date(byAdding: .day, value: dayOffset, to: instant)!
            let parts = local(day)
            guard !closedDates.contains(parts.date) else { continue }
            for range in ranges[parts.weekday] ?? [] {
                let end = range.end > range.start ? range.end : range.end + 24 * 60
                if minuteOfDay >= range.start && minuteOfDay < end { return true }
            }
        }
        return false
    }

    /// The next opening after `instant` (within two weeks), or nil when open now or never.
    public func nextOpening(after instant: Date) -> Date? {
        if isOpen(at: instant) { return nil }
        if alwaysOpen {
            // Closed today: the next local midnight that is not a closed date.
            for offset in 1..<15 {
                let day = calendar.startOfDay(for: calendar.date(byAdding: .day, value: offset, to: instant)!)
                if !closedDates.contains(local(day).date) { return day }
            }
            return nil
        }
        for offset in 0..<15 {
            let day = calendar.date(byAdding: .day, value: offset, to: instant)!
            let parts = local(day)
            guard !closedDates.contains(parts.date) else { continue }
            let starts = (ranges[parts.weekday] ?? []).map(\.start).sorted()
            for start in starts {
                // A wall-clock time the clocks skip (a spring-forward gap) opens at the next valid time.
                guard let opening = calendar.date(bySettingHour: start / 60, minute: start % 60, second: 0, of: day,
                                                  matchingPolicy: .nextTime, repeatedTimePolicy: .first),
                      opening > instant else { continue }
                return opening
            }
        }
        return nil
    }

    private func local(_ instant: Date) -> (date: String, weekday: Int, minute: Int) {
        let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: instant)
        let date = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        return (date, c.weekday! - 1, c.hour! * 60 + c.minute!)
    }
}

extension ChatService {
    /// Whether anyone is there: open hours, an agent online with room, how soon they reply.
    public func availability(at now: Timestamp = .now()) throws -> Availability {
        let settings = try shopSettings()
        return try read { rows in try Self.availability(settings: settings, rows, now, mailEnabled: policy.mailEnabled) }
    }

    static func availability(settings: Settings, _ rows: any StoreReader, _ now: Timestamp,
                             mailEnabled: Bool = false) throws -> Availability {
        let hours = BusinessHours(settings.availability)
        let status = try status(settings, rows, now, hours: hours)
        let next = hours?.nextOpening(after: now.date).map(Timestamp.init)
        // The same nearest-rank median as the reports' first response.
        let median = NearestRank.seconds(try rows.firstReplyDelays(since: now.adding(seconds: -7 * 86_400))).median
        return Availability(status: status, agentsOnline: try rows.onlineAgentCount(), nextOpenAt: next,
                            typicalReplySeconds: median, settings: settings.availability, emailEnabled: mailEnabled)
    }

    /// `closed` outside the hours; within them `online` when an agent is online with room, else `away`.
    static func status(_ settings: Settings, _ rows: any StoreReader, _ now: Timestamp,
                       hours: BusinessHours? = nil) throws -> Availability.Status {
        let open = !settings.availability.hasSchedule || ((hours ?? BusinessHours(settings.availability))?.isOpen(at: now.date) ?? true)
        return !open ? .closed : try rows.leastLoadedOnlineAgent() == nil ? .away : .online
    }
}

extension Timestamp {
    var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    init(_ date: Date) { self.init(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded())) }
}
