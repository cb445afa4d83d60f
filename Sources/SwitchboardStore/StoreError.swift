import POSIXSupport

/// A stored value this build cannot read: a row that a newer release, a hand edit or a
/// damaged file left behind. The request that met it answers 500 and is logged with this
/// description; the process and the other requests go on.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case corrupt(table: String, row: String, column: String, value: String)
    /// A statement's columns are not the ones its decoder reads by position.
    case columns(expected: [String], found: [String])

    public var description: String {
        switch self {
        case .corrupt(let table, let row, let column, let value):
            "stored value not understood: \(table).\(column) = \"\(value)\" in row \(row)"
        case .columns(let expected, let found):
            "a statement's columns \(found) do not start with the \(expected) its decoder reads"
        }
    }
}

extension Records {
    /// A raw stored value as one of `T`'s cases, or `StoreError.corrupt` naming where it was.
    static func parse<T: RawRepresentable>(_ raw: String, _ table: String, row id: String, _ column: String) throws -> T
        where T.RawValue == String {
        guard let value = T(rawValue: raw) else { throw StoreError.corrupt(table: table, row: id, column: column, value: raw) }
        return value
    }
}

/// The statement texts `Columns.verify` has checked (a few dozen, fixed by the code).
final class VerifiedStatements: @unchecked Sendable {
    /// Not Synchronization.Mutex: see PlainLock.
    private let lock = PlainLock()
    private var texts: Set<String> = []

    func contains(_ sql: String) -> Bool { lock.withLock { texts.contains(sql) } }
    func insert(_ sql: String) { lock.withLock { _ = texts.insert(sql) } }
}
