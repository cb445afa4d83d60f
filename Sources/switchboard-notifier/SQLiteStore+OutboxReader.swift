import SwitchboardChat
import SwitchboardNotifier
import SwitchboardStore

// The SQLite store already has the outbox methods the hub reads, and the chat service the
// credential check every route runs; these only declare it.
extension SQLiteStore: OutboxReader {}
extension ChatService: StreamAuthorizer {}
