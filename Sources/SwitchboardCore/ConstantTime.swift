/// Comparing secrets without telling, by the time taken, how much of a guess was right.
public enum ConstantTime {
    /// Equal bytes; the time depends only on the length.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
