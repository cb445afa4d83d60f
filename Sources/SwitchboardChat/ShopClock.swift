import Foundation
import SwitchboardCore

/// The shop's wall clock for reports: which local day, weekday and hour an instant falls
/// on. The zone's offset is looked up once per quarter of an hour of UTC (some zones move
/// their clocks at :30 or :45 UTC), so a report over 100,000 conversations asks the zone a
/// few thousand times, not 100,000.
struct ShopClock {
    let zone: TimeZone
    private var offsets: [Int64: Int64] = [:]
    /// The last quarter hour asked for and its offset: rows come roughly in time order.
    private var lastSlot: Int64 = .min
    private var lastOffset: Int64 = 0

    init(zone: TimeZone) { self.zone = zone }

    /// Seconds since 1970-01-01 00:00 on the shop's wall clock.
    mutating func localSeconds(_ t: Timestamp) -> Int64 {
        let seconds = Self.floorDiv(t.milliseconds, 1000)
        let slot = Self.floorDiv(seconds, 900)
        if slot == lastSlot { return seconds + lastOffset }
        let offset: Int64
        if let known = offsets[slot] {
            offset = known
        } else {
            offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(slot * 900))))
            offsets[slot] = offset
        }
        (lastSlot, lastOffset) = (slot, offset)
        return seconds + offset
    }

    /// The local day as a day number (days since 1970-01-01).
    mutating func localDay(_ t: Timestamp) -> Int64 { Self.floorDiv(localSeconds(t), 86_400) }

    /// The local day, ISO weekday (1 Monday … 7 Sunday) and hour of the day of an instant.
    mutating func local(_ t: Timestamp) -> (day: Int64, weekday: Int, hour: Int) {
        let local = localSeconds(t)
        let day = Self.floorDiv(local, 86_400)
        return (day, Self.weekday(ofDay: day), Int((local - day * 86_400) / 3600))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    /// 1970-01-01 was a Thursday (4).
    static func weekday(ofDay day: Int64) -> Int { Int(((day % 7) + 7 + 3) % 7) + 1 }

    /// The civil date of a day number (H. Hinnant's `civil_from_days`).
    static func civil(_ day: Int64) -> (year: Int, month: Int, day: Int) {
        let z = day + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    /// The day number of a civil date (`days_from_civil`).
    static func dayNumber(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD` of a day number.
    static func dateString(ofDay day: Int64) -> String {
        let c = civil(day)
        func pad(_ v: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }
}
