/// The migrations a database has against the ones this build knows. Only `switchboard
/// migrate` changes a schema; every other program checks it and refuses to run on another.
public struct SchemaVersion: Equatable, Sendable {
    /// Identifiers recorded in the database (sorted: they begin with their date).
    public let applied: [String]
    /// The build's migrations, in order.
    public let known: [String]

    public init(applied: [String], known: [String]) {
        self.applied = applied
        self.known = known
    }

    public var isCurrent: Bool { applied == known }
    /// Migrations the database has that this build does not know: a newer release made it.
    public var unknown: [String] { applied.filter { !known.contains($0) } }

    /// One line saying what is wrong and what to do, for `program`; nil when current.
    public func refusal(program: String, path: String) -> String? {
        guard !isCurrent else { return nil }
        let needed = known.last ?? "none"
        if let newer = unknown.last {
            return "\(program): the database \(path) has migration \"\(newer)\", newer than this build (which needs \"\(needed)\"). Run the release that made it, or restore a backup."
        }
        let have = applied.filter(known.contains).count
        return "\(program): the database \(path) has \(have) of \(known.count) migrations (newest: \"\(applied.last ?? "none")\"); this build needs \"\(needed)\". Run: switchboard migrate"
    }
}
