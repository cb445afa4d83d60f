import Foundation
import SwitchboardCore

/// How much of a span lies inside the shop's opening hours (reports with
/// `business_hours=true`). The opening intervals of the days around the report are laid
/// out once as real instants (so a 09:00–18:00 day is 9 hours on the days the clocks move
/// too) with a running total, and each span costs two binary searches.
public struct OpenTime: Sendable {
    /// Sorted, non-overlapping `[start, end)` in milliseconds.
    private let starts: [Int64]
    private let ends: [Int64]
    /// Open milliseconds before interval i.
    private let before: [Int64]

    /// The intervals of every local day touching `[from, to]`.
    public init(_ hours: BusinessHours, from: Timestamp, to: Timestamp) {
        var clock = ShopClock(zone: hours.calendar.timeZone)
        let first = clock.localDay(from) - 1, last = clock.localDay(to) + 1
        var intervals: [(Int64, Int64)] = []
        for day in first...last {
            guard !hours.closedDates.contains(ShopClock.dateString(ofDay: day)) else { continue }
            if hours.alwaysOpen {
                intervals.append((Self.instant(hours.calendar, day, 0), Self.instant(hours.calendar, day + 1, 0)))
                continue
            }
            for range in hours.ranges[ShopClock.weekday(ofDay: day) % 7] ?? [] {
                // A range past midnight (22:00–02:00) belongs to the day it starts.
                let end = range.end > range.start ? range.end : range.end + 24 * 60
                intervals.append((Self.instant(hours.calendar, day, range.start), Self.instant(hours.calendar, day, end)))
            }
        }
        intervals.sort { $0.0 < $1.0 }
        var merged: [(Int64, Int64)] = []
        for (start, end) in intervals where end > start {
            if let lastEnd = merged.last?.1, start <= lastEnd {
                merged[merged.count - 1].1 = max(lastEnd, end)
            } else {
                merged.append((start, end))
            }
        }
        starts = merged.map(\.0)
        ends = merged.map(\.1)
        var total: Int64 = 0
        before = merged.map { interval in
            defer { total += interval.1 - interval.0 }
            return total
        }
    }

    /// Open milliseconds between two instants (0 when `to` is not after `from`).
    public func milliseconds(from: Timestamp, to: Timestamp) -> Int64 {
        max(0, cumulative(to.milliseconds) - cumulative(from.milliseconds))
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
        let date = calendar.date(from: components)
            ?? calendar.nextDate(after: calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day))!,
                                 matching: DateComponents(hour: m / 60, minute: m % 60), matchingPolicy: .nextTime)!
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
