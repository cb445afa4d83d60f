/// Exact percentiles for the reports: nearest rank, never an average of neighbours, so a
/// median is always a wait some customer really had.
public enum NearestRank {
    /// The value at rank ⌈p·n⌉ (1-based) of `sorted` (ascending); nil when it is empty.
    /// The median of 4 values is the 2nd; p90 of 10 values the 9th, of 1 value that value.
    public static func value<T>(_ sorted: [T], _ p: Double) -> T? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Median and p90 of durations in milliseconds, as whole seconds rounded down.
    public static func seconds(_ milliseconds: [Int64]) -> (median: Int?, p90: Int?) {
        let sorted = milliseconds.sorted()
        return (value(sorted, 0.5).map { Int($0 / 1000) }, value(sorted, 0.9).map { Int($0 / 1000) })
    }
}

/// A running mean for averages shown with two decimals (CSAT).
public struct Mean: Sendable {
    public private(set) var count = 0
    private var sum = 0

    public init() {}

    public mutating func add(_ value: Int) {
        count += 1
        sum += value
    }

    /// Two decimals; nil when nothing was added.
    public var value: Double? { count == 0 ? nil : Self.twoDecimals(Double(sum) / Double(count)) }

    public static func twoDecimals(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
