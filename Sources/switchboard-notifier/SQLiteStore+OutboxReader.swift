import SwitchboardNotifier
import SwitchboardStore

// The SQLite store already has the outbox methods the hub reads; this only declares it.
extension SQLiteStore: OutboxReader {}
