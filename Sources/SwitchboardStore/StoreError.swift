import GRDB
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

/// The prepared statements `Columns.verify` has checked: each connection's cached ones (a
/// few dozen per connection, fixed by the code). Kept by identity, not by text: GRDB builds
/// a statement's `sql` anew on every call (a C string trimmed through Foundation), which was
/// 13.7 % of the worker's CPU under POSTs, inside the one writer. Held weakly, so a statement
/// that is gone cannot lend its address to a new one that was never checked.
final class VerifiedStatements: @unchecked Sendable {
    private struct Checked { weak var statement: Statement? }
    /// Not Synchronization.Mutex: see PlainLock.
    private let lock = PlainLock()
    private var checked: [ObjectIdentifier: Checked] = [:]
    /// Past this many, the entries of statements that are gone are dropped; then it doubles
    /// past what is left, so many live statements (a connection keeps its own) never make
    /// every new one pay for a tidy.
    private var tidyAt = 4096

    func contains(_ statement: Statement) -> Bool {
        lock.withLock { checked[ObjectIdentifier(statement)]?.statement === statement }
    }

    func insert(_ statement: Statement) {
        lock.withLock {
            if checked.count >= tidyAt {
                checked = checked.filter { $0.value.statement != nil }
                tidyAt = max(4096, 2 * checked.count)
            }
            checked[ObjectIdentifier(statement)] = Checked(statement: statement)
        }
    }
}
