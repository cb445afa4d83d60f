/// A stored value this build cannot read: a row that a newer release, a hand edit or a
/// damaged file left behind. The request that met it answers 500 and is logged with this
/// description; the process and the other requests go on.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case corrupt(table: String, row: String, column: String, value: String)

    public var description: String {
        switch self {
        case .corrupt(let table, let row, let column, let value):
            "stored value not understood: \(table).\(column) = \"\(value)\" in row \(row)"
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
