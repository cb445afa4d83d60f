import Foundation
import SwitchboardCore

/// How much of a span lies inside the shop's opening hours (reports with
/// `business_hours=true`). The opening intervals are laid out day by day as real instants
/// (so a 09:00–18:00 day is 9 hours on the days the clocks move too) with a running
/// total, and each span costs two binary searches. Days are laid out only as far as a span
/// reaches: a report's cost follows its data, not the distance from its range to today.
public struct OpenTime: Sendable {
    private let hours: BusinessHours
    /// Sorted, non-overlapping `[start, end)` in milliseconds.
    private var starts: [Int64] = []
    private var ends: [Int64] = []
    /// Open milliseconds before interval i.
    private var before: [Int64] = []
    /// The first local day not laid out yet, and the instant it starts.
    private var nextDay: Int64
    private var laidOutUntil: Int64

    /// Nothing before the local day before `from` is ever asked for.
    public init(_ hours: BusinessHours, from: Timestamp) {
        self.hours = hours
        var clock = ShopClock(zone: hours.calendar.timeZone)
        nextDay = clock.localDay(from) - 1
        laidOutUntil = Self.instant(hours.calendar, nextDay, 0)
    }

    /// Open milliseconds between two instants (0 when `to` is not after `from`).
    public mutating func milliseconds(from: Timestamp, to: Timestamp) -> Int64 {
        guard to > from else { return 0 }
        layOut(through: to.milliseconds)
        return max(0, cumulative(to.milliseconds) - cumulative(from.milliseconds))
    }

    /// Lays out days until every interval starting at or before `t` is known (a range past
    /// midnight belongs to the day it starts, so its day is laid out before `t`'s).
    private mutating func layOut(through t: Int64) {
        while laidOutUntil <= t {
            let day = nextDay
            nextDay += 1
            laidOutUntil = Self.instant(hours.calendar, nextDay, 0)
            guard !hours.closedDates.contains(ShopClock.dateString(ofDay: day)) else { continue }
            let ranges = hours.alwaysOpen ? [(start: 0, end: 24 * 60)]
                : (hours.ranges[ShopClock.weekday(ofDay: day) % 7] ?? []).sorted { $0.start < $1.start }
            for range in ranges {
                let end = range.end > range.start ? range.end : range.end + 24 * 60
                append(Self.instant(hours.calendar, day, range.start), Self.instant(hours.calendar, day, end))
            }
        }
    }

    /// Adds an interval that starts no earlier than every one before it, merged with the
    /// last when they overlap (yesterday's 22:00–02:00 and today's 00:00–06:00).
    private mutating func append(_ start: Int64, _ end: Int64) {
        guard end > start else { return }
        if let lastEnd = ends.last, start <= lastEnd {
            ends[ends.count - 1] = max(lastEnd, end)
            return
        }
        before.append((before.last ?? 0) + ((ends.last ?? 0) - (starts.last ?? 0)))
        starts.append(start)
        ends.append(end)
    }

    /// Open milliseconds from the first interval up to `t`.
    private func cumulative(_ t: Int64) -> Int64 {
        // The last interval starting at or before t.
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= t { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return 0 }
        let i = low - 1
        return before[i] + min(t, ends[i]) - starts[i]
    }

    /// The instant of a wall-clock minute of a local day (minutes past 24:00 run into the
    /// next day); a time the clocks skip is the first valid one after it.
    private static func instant(_ calendar: Calendar, _ day: Int64, _ minute: Int) -> Int64 {
        let c = ShopClock.civil(day + Int64(minute / (24 * 60)))
        let m = minute % (24 * 60)
        let components = DateComponents(year: c.year, month: c.month, day: c.day, hour: m / 60, minute: m % 60)
        // Noon exists on every day; the fallback is only there to keep this function total.
        let noon = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day, hour: 12))
            ?? Date(timeIntervalSince1970: Double(day * 86_400 + 43_200))
        let date = calendar.date(from: components)
            ?? calendar.nextDate(after: calendar.startOfDay(for: noon).addingTimeInterval(-1),
                                 matching: DateComponents(hour: m / 60, minute: m % 60), matchingPolicy: .nextTime)
            ?? noon
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
